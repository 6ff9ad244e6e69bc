// Alerts on broker queues: backlogs, queues nobody consumes, growing dead-letter queues.
local common = import '../common.libsonnet';

{
  local c = $._config,
  local p = c.metricPrefix,
  local deadLetter = '".+%s"' % c.alerts.deadLettersGrowing.deadLetterSuffix,
  local length(matcher) = p + 'queue_length' + common.selector(c, ['queue' + matcher]),

  queueAlerts:: std.prune([
    local b = c.alerts.queueBacklog;
    if b.enabled then common.alert(
      c,
      'JobExporterQueueBacklog',
      b,
      '%s > %d\n' % [length('!~' + deadLetter), b.threshold],
      'A queue has a backlog.',
      'Queue {{ $labels.queue }} ({{ $labels.system }}) holds {{ $value }} messages, more than %d for %s.' % [b.threshold, b['for']],
      'overview',
      ['system', 'queue'],
    ),

    local n = c.alerts.queueWithoutConsumers;
    if n.enabled then common.alert(
      c,
      'JobExporterQueueWithoutConsumers',
      n,
      |||
        %(length)s > 0
        and on (%(by)s)
        %(consumers)s == 0
      ||| % {
        length: length('!~' + deadLetter),
        consumers: p + 'queue_consumers' + common.selector(c),
        by: common.by(c, ['system', 'queue']),
      },
      'A queue has messages but no consumers.',
      'Queue {{ $labels.queue }} ({{ $labels.system }}) holds {{ $value }} messages and has had no consumer for %s.' % n['for'],
      'overview',
      ['system', 'queue'],
    ),

    local d = c.alerts.deadLettersGrowing;
    if d.enabled then common.alert(
      c,
      'JobExporterDeadLettersGrowing',
      d,
      // Growth against the window's start; a dead-letter queue born inside the window counts whole.
      |||
        (%(dlq)s - %(dlq)s offset %(window)s > 0)
        or
        (%(dlq)s > 0 unless %(dlq)s offset %(window)s)
      ||| % { dlq: length('=~' + deadLetter), window: d.window },
      'Messages are piling up in a dead-letter queue.',
      'Dead-letter queue {{ $labels.queue }} ({{ $labels.system }}) gained {{ $value }} messages in the last %s.' % d.window,
      'overview',
      ['system', 'queue'],
    ),
  ]),
}
