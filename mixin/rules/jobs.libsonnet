// Per-job rates and success ratio over each of recordingWindows, run counts over each of
// countWindows, and alive workers per system; dashboards and alerts read these. Every rule aggregates
// over exporters with common.aggregate: max within a stream, sum across streams.
local common = import '../common.libsonnet';

{
  local c = $._config,
  local p = c.metricPrefix,
  local jobLabels = ['system', 'queue', 'name'],

  // (succeeded + failed), with a job that only failed (or only succeeded) taking the other side alone.
  local completed(s, f) = '(%(s)s + %(f)s) or %(s)s or %(f)s\n' % { s: s, f: f },

  local ratesFor(w) =
    local succeeded = common.recorded(c, 'succeeded', 'rate' + w);
    local failed = common.recorded(c, 'failed', 'rate' + w);
    local completedRate = common.recorded(c, 'completed', 'rate' + w);
    [
      {
        record: succeeded,
        expr: common.aggregate(c, jobLabels, 'rate(%ssucceeded_total%s[%s])' % [p, common.selector(c), w], w) + '\n',
      },
      {
        record: failed,
        expr: common.aggregate(c, jobLabels, 'rate(%sfailed_total%s[%s])' % [p, common.selector(c), w], w) + '\n',
      },
      { record: completedRate, expr: completed(succeeded, failed) },
      {
        // 0 when every run failed; no value while nothing completed.
        record: common.recorded(c, 'success', 'ratio_rate' + w),
        expr: '(%(s)s or %(c)s * 0) / (%(c)s > 0)\n' % { s: succeeded, c: completedRate },
      },
    ],

  // Runs within the window, counting a series born inside it whole (a job that ran once shows 1,
  // where rate() over the window would show 0), and never a lifetime total (see increaseSafe).
  local countsFor(w) =
    local succeeded = common.recorded(c, 'succeeded', 'increase' + w);
    local failed = common.recorded(c, 'failed', 'increase' + w);
    [
      { record: succeeded, expr: common.countIn(c, 'succeeded_total', w, jobLabels) + '\n' },
      { record: failed, expr: common.countIn(c, 'failed_total', w, jobLabels) + '\n' },
      { record: common.recorded(c, 'completed', 'increase' + w), expr: completed(succeeded, failed) },
    ],

  prometheusRules+:: {
    groups+: [
      {
        name: c.ruleGroupName,
        rules: std.flattenArrays([ratesFor(w) for w in c.recordingWindows] + [countsFor(w) for w in c.countWindows]),
      },
      {
        name: c.ruleGroupName + '.workers',
        rules: [{
          record: common.recordedAlive(c),
          // Each exporter counts the workers whose heartbeats it receives: a sidecar its own, a central
          // exporter all of them.
          expr: common.aggregate(c, ['system'], '%sworkers_alive%s' % [p, common.selector(c)]) + '\n',
        }],
      },
    ],
  },
}
