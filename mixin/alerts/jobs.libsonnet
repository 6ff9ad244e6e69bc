// Alerts on job outcomes: bursts of failures and a high share of failed runs.
local common = import '../common.libsonnet';

{
  local c = $._config,
  local p = c.metricPrefix,

  // Failures within the window, per job. increase() alone misses the first failures of a series that
  // was born inside the window (it needs two samples and ignores the first value), so such series
  // count with their whole value instead.
  local failuresIn(window, matchers) =
    local failed = '%sfailed_total%s' % [p, common.selector(c, matchers)];
    |||
      sum by (%(by)s) (
          (increase(%(failed)s[%(window)s]) and %(failed)s offset %(window)s)
        or
          (%(failed)s unless %(failed)s offset %(window)s)
      )
    ||| % { by: common.by(c, ['system', 'name']), failed: failed, window: window },

  local burst = c.alerts.failureBurst,
  local overridden = std.objectFields(burst.overrides),

  // Every job with its own threshold, then all other jobs with the default: [settings, matchers].
  local clauses =
    [[burst + burst.overrides[name], ['name="%s"' % common.quote(name)]] for name in overridden]
    + [[burst, ['name!="%s"' % common.quote(name) for name in overridden]]],

  // One rule per (severity, for) pair, its expression an `or` of that pair's clauses: rules with
  // the same name and labels would clash (promtool rejects them as duplicates).
  local burstRule(group) =
    local s = group[0][0];
    common.alert(
      c,
      'JobExporterJobFailureBurst',
      s,
      std.join('or\n', [
        '%s> %s\n' % [failuresIn(burst.window, clause[1]), common.number(clause[0].threshold)]
        for clause in group
      ]),
      'A job failed more often than allowed.',
      '{{ $value | printf "%%.0f" }} runs of {{ $labels.name }} ({{ $labels.system }}) failed in the last %s, more than this job may fail.'
      % burst.window,
      'job',
      ['system', 'name'],
    ),

  local key(clause) = clause[0].severity + '/' + clause[0]['for'],
  local groups = [
    [clause for clause in clauses if key(clause) == k]
    for k in std.set([key(clause) for clause in clauses])
  ],

  jobAlerts:: std.prune([
    if burst.enabled then [burstRule(group) for group in groups],

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
