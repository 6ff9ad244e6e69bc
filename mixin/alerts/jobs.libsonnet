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

  local burstRule(settings, matchers) =
    local s = c.alerts.failureBurst + settings;
    common.alert(
      c,
      'JobExporterJobFailureBurst',
      s,
      '%s> %s' % [failuresIn(s.window, matchers), s.threshold],
      'A job failed more often than allowed.',
      '{{ $value | printf "%%.0f" }} runs of {{ $labels.name }} ({{ $labels.system }}) failed in the last %s; at most %s may fail.'
      % [s.window, s.threshold],
      'job',
      ['system', 'name'],
    ),

  local burst = c.alerts.failureBurst,
  local overridden = std.objectFields(burst.overrides),

  jobAlerts:: std.prune([
    // One rule per job with its own threshold, then one for every other job.
    if burst.enabled then [burstRule(burst.overrides[name], ['name="%s"' % common.quote(name)]) for name in overridden],
    if burst.enabled then [burstRule({}, ['name!="%s"' % common.quote(name) for name in overridden])],

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
        threshold: r.threshold,
        minRuns: r.minRuns,
      },
      'A job fails too often.',
      '{{ $value | humanizePercentage }} of the runs of {{ $labels.name }} on queue {{ $labels.queue }} ({{ $labels.system }}) failed over the last %s (threshold %g%%).'
      % [r.window, r.threshold * 100],
      'job',
      ['system', 'queue', 'name'],
    )],
  ]),
}
