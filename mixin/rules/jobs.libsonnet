// Per-job rates and success ratio over each of recordingWindows; dashboards and alerts read these.
local common = import '../common.libsonnet';

{
  local c = $._config,
  local p = c.metricPrefix,
  local by = common.by(c, ['system', 'queue', 'name']),

  local forWindow(w) =
    local succeeded = common.recorded(c, 'succeeded', 'rate' + w);
    local failed = common.recorded(c, 'failed', 'rate' + w);
    local completed = common.recorded(c, 'completed', 'rate' + w);
    [
      {
        record: succeeded,
        expr: 'sum by (%s) (rate(%ssucceeded_total%s[%s]))\n' % [by, p, common.selector(c), w],
      },
      {
        record: failed,
        expr: 'sum by (%s) (rate(%sfailed_total%s[%s]))\n' % [by, p, common.selector(c), w],
      },
      {
        // A job that only failed (or only succeeded) has one side missing: take the other one alone.
        record: completed,
        expr: '(%(s)s + %(f)s) or %(s)s or %(f)s\n' % { s: succeeded, f: failed },
      },
      {
        // 0 when every run failed; no value while nothing completed.
        record: common.recorded(c, 'success', 'ratio_rate' + w),
        expr: '(%(s)s or %(c)s * 0) / (%(c)s > 0)\n' % { s: succeeded, c: completed },
      },
    ],

  prometheusRules+:: {
    groups+: [{
      name: c.ruleGroupName,
      rules: std.flattenArrays([forWindow(w) for w in c.recordingWindows]),
    }],
  },
}
