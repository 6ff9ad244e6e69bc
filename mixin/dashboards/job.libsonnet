// Jobs / By job: one job's runs, outcomes, exceptions, runtime and wait.
local g = import 'panels.libsonnet';
local queries = import 'queries.libsonnet';

{
  local c = $._config,
  local q = queries.new(c),
  local job = ['system', 'queue', 'name'],

  grafanaDashboards+:: {
    [c.dashboards.job.file]: g.dashboard(c, 'job', q.variables(multiName=false), g.grid([
      {
        height: 4,
        panels: [
          [g.stat('Runs', 'Runs that finished in the selected time range.', 'sum(%s) + sum(%s)' % [q.increase('succeeded_total', job), q.increase('failed_total', job)]), 4],
          [g.stat('Success rate', 'Share of finished runs that succeeded in the selected time range.', |||
            sum(%(s)s)
            /
            (sum(%(s)s) + sum(%(f)s))
          ||| % { s: q.increase('succeeded_total', job), f: q.increase('failed_total', job) }, 'percentunit', 1), 4],
          [g.stat('Failures', 'Runs that failed in the selected time range.', 'sum(%s)' % q.increase('failed_total', job)), 4],
          [g.stat('Retries', 'Runs scheduled again after a failure in the selected time range.', 'sum(%s)' % q.increase('retried_total', job)), 4],
          [g.stat('Runtime p95', '95th percentile of the runtime over the selected time range.', q.quantile(0.95, 'runtime_seconds', job, range='$__range'), 's', 2), 4],
          [g.stat('Wait p95', '95th percentile of the queue wait over the selected time range.', q.quantile(0.95, 'wait_seconds', job, range='$__range'), 's', 2), 4],
        ],
      },
      {
        panels: [
          [g.timeseries('Lifecycle', 'Per second: sent to the queue, received and started by a worker, and how runs ended.', [
            g.target('sum(%s)' % q.rate(event + '_total', job), event)
            for event in ['sent', 'received', 'started', 'succeeded', 'failed', 'retried', 'rejected', 'revoked']
          ], 'ops'), 12],
          [g.timeseries('Success ratio', 'Share of runs that succeeded, over 5 minutes, 1 hour and 1 day.', [
            g.target('sum(%s) / sum(%s)' % [q.recorded('succeeded', 'rate' + w), q.recorded('completed', 'rate' + w)], w)
            for w in c.recordingWindows
          ], 'percentunit'), 12],
        ],
      },
      {
        title: 'Failures',
        panels: [
          [g.timeseries('Failures by exception', 'Failed runs per second by exception type.', [
            g.target('sum by (exception) (%s)' % q.rate('failed_total', job, by=job + ['exception']), '{{exception}}'),
          ], 'ops', stack=true), 12],
          [g.table('Failures by exception and worker', 'Failed runs in the selected time range, by exception and worker.', [
            g.target('sum by (exception, hostname) (%s) > 0' % q.increase('failed_total', job, by=job + ['exception', 'hostname']), instant=true),
          ], renames={ 'Value #A': 'Failures', exception: 'Exception', hostname: 'Worker' }), 12],
        ],
      },
      {
        title: 'Timing',
        panels: [
          [g.timeseries('Runtime by outcome', 'Median and 95th percentile of the runtime, for succeeded and failed runs.', [
            g.target(q.quantile(x, 'runtime_seconds', job, by=['outcome']), '{{outcome}} p%g' % (x * 100))
            for x in [0.5, 0.95]
          ], 's'), 12],
          [g.timeseries('Wait in queue', 'How long this job waited in its queue before a worker started it.', [
            g.target(q.quantile(x, 'wait_seconds', job), 'p%g' % (x * 100))
            for x in [0.5, 0.95, 0.99]
          ], 's'), 12],
        ],
      },
    ])),
  },
}
