// Alerts on broker queues: backlogs, queues nobody consumes, growing dead-letter queues.
// Queue lengths come from the broker, the same for every exporter that polls the queue (replicas,
// sidecars, shards): each expression takes the plain max over all of them (common.shared), so a queue
// counts once whatever the deployment shape.
local common = import '../common.libsonnet';

{
  local c = $._config,
  local p = c.metricPrefix,
  local d = c.alerts.deadLettersGrowing,
  // MassTransit's <queue>_error (faulted) and <queue>_skipped (no consumer for the type) both hold
  // messages that will not be processed: both are dead letters.
  local deadLetter = '".+(%s)"' % std.join('|', d.deadLetterSuffixes),
  local queue = ['system', 'queue'],
  local length(matcher, offset='') = common.shared(c, queue, p + 'queue_length' + common.selector(c, ['queue' + matcher]) + offset),
  local byQueue = common.by(c, queue),

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
        consumers: common.shared(c, queue, p + 'queue_consumers' + common.selector(c)),
        by: byQueue,
      },
      'A queue has messages but no consumers.',
      'Queue {{ $labels.queue }} ({{ $labels.system }}) holds {{ $value }} messages and has had no consumer for %s.' % n['for'],
      'overview',
      ['system', 'queue'],
    ),

    if d.enabled then common.alert(
      c,
      'JobExporterDeadLettersGrowing',
      d,
      // Growth against the window's start. A dead-letter queue that appeared inside the window counts
      // whole, but only when Prometheus saw it appear (it scraped an exporter successfully more often
      // than it has samples of the queue): after a Prometheus restart or a long scrape gap, a queue it
      // had not seen is not a new queue.
      |||
        (%(now)s - %(before)s > 0)
        or
        (
          (%(now)s > 0 unless %(before)s)
          and
          %(samples)s < on (%(cluster)s) group_left () %(scrapes)s
        )
      ||| % {
        now: length('=~' + deadLetter),
        before: length('=~' + deadLetter, ' offset ' + d.window),
        cluster: common.by(c, []),
        samples: common.shared(c, queue, 'count_over_time(%s[%s])' % [p + 'queue_length' + common.selector(c, ['queue=~' + deadLetter]), d.window]),
        scrapes: 'max by (%s) (sum_over_time(up%s[%s]))' % [common.by(c, []), common.selector(c), d.window],
      },
      'Messages are piling up in a dead-letter queue.',
      'Dead-letter queue {{ $labels.queue }} ({{ $labels.system }}) gained {{ $value }} messages in the last %s.' % d.window,
      'overview',
      ['system', 'queue'],
    ),
  ]),
}
