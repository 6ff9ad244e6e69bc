// Alerts on job outcomes: bursts of failures per criticality class, and a high share of failed runs.
local common = import '../common.libsonnet';

{
  local c = $._config,
  local burst = c.alerts.failureBurst,
  local job = ['system', 'name'],
  local by = common.by(c, job),

  // The matchers that put a job into a class; a class with `name: null` holds no job.
  local matchers(class) = [
    'name=~"%s"' % common.quote(class.name),
    'system=~"%s"' % common.quote(class.system),
  ],

  local classes = std.sort(
    [burst.classes[k] { class: k } for k in std.objectFields(burst.classes) if burst.classes[k].name != null],
    function(class) class.rank
  ),

  // Jobs taken by the classes before `rank`: a job belongs to the first class that matches it.
  local takenBefore(rank) = [
    'group by (%s) (%sfailed_total%s)' % [by, c.metricPrefix, common.selector(c, matchers(class))]
    for class in classes
    if class.rank < rank
  ],

  // Failures over `window` reaching the class's count, and (unless minShare is 0) its share of runs.
  local burstExpr(class, classMatchers, rank) =
    local failed = common.countIn(c, 'failed_total', burst.window, job, classMatchers);
    local succeeded = common.countIn(c, 'succeeded_total', burst.window, job, classMatchers);
    local count = '%s\n>= %s' % [failed, common.number(class.threshold)];
    local share =
      if class.minShare <= 0 then count
      // failed / (failed + succeeded); succeeded_total is created with failed_total, `or` guards anyway.
      else '%s\nand on (%s)\n(\n%s\n/\n(\n%s\n+\n(%s\nor %s * 0)\n)\n) >= %s' % [
        count, by, failed, failed, succeeded, std.rstripChars(failed, '\n'), common.number(class.minShare),
      ];
    share + std.join('', ['\nunless on (%s)\n%s' % [by, t] for t in takenBefore(rank)]) + '\n',

  local burstRule(class, classMatchers, rank) =
    common.alert(
      c,
      'JobExporterJobFailureBurst',
      burst + class,
      burstExpr(class, classMatchers, rank),
      'A job failed more often than allowed.',
      '{{ $value | printf "%%.0f" }} runs of {{ $labels.name }} ({{ $labels.system }}) failed in the last %s, at least %s, the limit of its class %s%s.'
      % [
        burst.window,
        common.number(class.threshold),
        class.class,
        if class.minShare > 0 then ' (and at least %s%% of its runs)' % common.number(class.minShare * 100) else '',
      ],
      'job',
      ['system', 'name'],
      labels={ class: class.class },
    ),

  jobAlerts:: std.prune([
    if burst.enabled then
      [burstRule(class, matchers(class), class.rank) for class in classes]
      + [burstRule(burst.default { class: 'default' }, [], 1e9)],

    local r = c.alerts.failureRate;
    assert std.member(c.recordingWindows, r.window) : 'alerts.failureRate.window must be one of recordingWindows';
    if r.enabled then [common.alert(
      c,
      'JobExporterJobFailureRateHigh',
      r,
      |||
        (1 - %(ratio)s) > %(threshold)s
        and on (%(by)s)
        %(completed)s * %(seconds)d >= %(minRuns)d
      ||| % {
        ratio: common.recorded(c, 'success', 'ratio_rate' + r.window),
        completed: common.recorded(c, 'completed', 'rate' + r.window),
        by: common.by(c, ['system', 'queue', 'name']),
        seconds: common.seconds(r.window),
        threshold: common.number(r.threshold),
        minRuns: r.minRuns,
      },
      'A job fails too often.',
      '{{ $value | humanizePercentage }} of the runs of {{ $labels.name }} on queue {{ $labels.queue }} ({{ $labels.system }}) failed over the last %s (threshold %s%%).'
      % [r.window, common.number(r.threshold * 100)],
      'job',
      ['system', 'queue', 'name'],
    )],
  ]),
}
