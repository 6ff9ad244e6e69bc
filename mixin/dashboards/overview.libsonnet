// Jobs / Overview: how much ran, what fails, whether workers and queues keep up, and the exporter's health.
local g = import 'panels.libsonnet';
local queries = import 'queries.libsonnet';
local common = import '../common.libsonnet';

{
  local c = $._config,
  local q = queries.new(c),
  local job = ['system', 'queue', 'name'],
  local perJob(m, w) = q.recorded(m, 'rate' + w),
  // Runs in the last 24 h, from the recorded counts that keep a job that ran once (see rules/jobs.libsonnet).
  local runs(m) = q.recorded(m, 'increase1d'),
  local minRuns = c.dashboards.failingMinRuns,

  grafanaDashboards+:: {
    [c.dashboards.overview.file]: g.dashboard(c, 'overview', q.variables(), g.grid([
      {
        height: 4,
        panels: [
          [g.stat('Jobs executed (24h)', 'Runs that finished, successfully or not, in the last 24 hours; a job that ran once counts once.', 'sum(%s)' % runs('completed')), 4],
          [g.stat('Success rate (24h)', 'Share of finished runs that succeeded in the last 24 hours.', 'sum(%s) / sum(%s)' % [runs('succeeded'), runs('completed')], 'percentunit', 1), 4],
          [g.stat('Failed jobs (24h)', 'Runs that failed in the last 24 hours.', 'sum(%s)' % runs('failed')), 4],
          [g.stat('Workers alive', 'Workers that sent a heartbeat recently.', 'sum(%s)' % q.gauge('workers_alive', ['system'], by=['system'])), 4],
          [g.stat('Jobs running', 'Jobs the workers are executing right now.', 'sum(%s)' % q.shared('worker_active', ['system', 'hostname'], ['system'])), 4],
          [g.stat('Messages queued', 'Messages waiting in the selected queues.', 'sum(%s)' % q.shared('queue_length', ['system', 'queue'], ['system', 'queue'])), 4],
        ],
      },
      {
        panels: [
          [g.table(
            'Most common jobs (24h)',
            'The jobs that ran most often in the last 24 hours.',
            [g.target('topk(10, sum by (system, name) (%s))' % runs('completed'), instant=true)],
            renames={ 'Value #A': 'Runs', system: 'System', name: 'Job' },
          ), 12],
          [g.table(
            'Jobs failing the most (24h)',
            'The jobs with the highest share of failed runs in the last 24 hours, among those that ran at least %d times.' % minRuns,
            [
              g.target(|||
                topk(10,
                  sum by (system, name) (%(f)s) / sum by (system, name) (%(c)s) > 0
                  and on (system, name)
                  sum by (system, name) (%(c)s) >= %(minRuns)d
                )
              ||| % { f: runs('failed'), c: runs('completed'), minRuns: minRuns }, instant=true),
              g.target(|||
                sum by (system, name) (%(f)s)
                and on (system, name)
                sum by (system, name) (%(c)s) >= %(minRuns)d
              ||| % { f: runs('failed'), c: runs('completed'), minRuns: minRuns }, instant=true),
              g.target(|||
                sum by (system, name) (%(c)s) >= %(minRuns)d
              ||| % { c: runs('completed'), minRuns: minRuns }, instant=true),
            ],
            renames={ 'Value #A': 'Failed %', 'Value #B': 'Failures', 'Value #C': 'Runs', system: 'System', name: 'Job' },
          ) {
            fieldConfig+: { overrides: [{ matcher: { id: 'byName', options: 'Failed %' }, properties: [{ id: 'unit', value: 'percentunit' }] }] },
            // The merge gives a row to every job of B and C; only the ranked ones (A > 0) stay.
            transformations: [
              { id: 'merge', options: {} },
              { id: 'filterByValue', options: { filters: [{ fieldName: 'Value #A', config: { id: 'greater', options: { value: 0 } } }], type: 'include', match: 'any' } },
              { id: 'organize', options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'Failed %', 'Value #B': 'Failures', 'Value #C': 'Runs', system: 'System', name: 'Job' } } },
            ],
          }, 12],
        ],
      },
      {
        title: 'Throughput',
        panels: [
          [g.timeseries('Job outcomes', 'Runs per second by outcome and system.', [
            g.target('sum by (system) (%s)' % q.rate(outcome + '_total', job), '{{system}} ' + outcome)
            for outcome in ['succeeded', 'failed', 'retried']
          ], 'ops'), 12],
          [g.timeseries('Runs by job', 'Finished runs per second of each job, over 5 minutes.', [
            g.target('sum by (system, name) (%s)' % perJob('completed', '5m'), '{{system}} {{name}}'),
          ], 'ops', stack=true), 12],
        ],
      },
      {
        title: 'Workers and queues',
        panels: [
          [g.timeseries('Workers alive', 'Workers of each system that sent a heartbeat recently.', [
            g.target('sum by (system) (%s)' % q.gauge('workers_alive', ['system'], by=['system']), '{{system}}'),
          ]), 8],
          [g.timeseries('Jobs running by worker', 'Jobs each worker is executing.', [
            g.target(q.shared('worker_active', ['system', 'hostname'], ['system']), '{{system}} {{hostname}}'),
          ], stack=true), 8],
          [g.timeseries('Queue length', 'Messages waiting in each queue; dead-letter queues included.', [
            g.target(q.shared('queue_length', ['system', 'queue'], ['system', 'queue']), '{{system}} {{queue}}'),
          ]), 8],
        ],
      },
      {
        panels: [
          [g.timeseries('Oldest message age', 'Age of the oldest message waiting in each queue.', [
            g.target(q.shared('queue_oldest_age_seconds', ['system', 'queue'], ['system', 'queue']), '{{system}} {{queue}}'),
          ], 's'), 6],
          [g.timeseries('Hangfire jobs by state', 'Jobs in Hangfire storage by state (enqueued, scheduled, failed, ...), from the storage collector.', [
            g.target(q.shared('hangfire_jobs', ['state']), '{{state}}'),
          ]), 6],
          [g.timeseries('Runtime percentiles', 'How long runs took, from the runtime histogram.', [
            g.target(q.quantile(x, 'runtime_seconds', job), 'p%g' % (x * 100))
            for x in [0.5, 0.95, 0.99]
          ], 's'), 6],
          [g.timeseries('Wait percentiles', 'How long jobs waited in the queue before they started.', [
            g.target(q.quantile(x, 'wait_seconds', job), 'p%g' % (x * 100))
            for x in [0.5, 0.95, 0.99]
          ], 's'), 6],
        ],
      },
      {
        title: 'Exporter',
        panels: [
          [g.timeseries('Events received', 'Events the exporter took in, per second and type.', [
            g.target(q.rate('exporter_events_total', ['system'], by=['system', 'type']), '{{system}} {{type}}'),
          ], 'ops', stack=true), 8],
          [g.timeseries('Events lost', 'Events rejected as invalid or duplicate by the exporter, and dropped by emitters.', [
            g.target(q.rate('exporter_events_invalid_total', by=['reason']), 'invalid: {{reason}}'),
            g.target(q.rate('exporter_events_duplicate_total', by=[]), 'duplicate'),
            // The dropped count is the emitter's own: the max by worker (each exporter that hears it reports it).
            g.target('sum by (system) (%s)' % common.shared(c, ['system', 'hostname'], 'deriv(%s[$__rate_interval])' % q.raw('emitter_dropped_events', ['system'])), 'dropped: {{system}}'),
          ], 'ops'), 8],
          [g.timeseries('Exporter health', 'Broker connection (1 = connected) and success of each collector.', [
            g.target('max(%s)' % q.raw('exporter_broker_connected'), 'broker connected'),
            g.target('min by (collector) (%s)' % q.raw('exporter_collector_success'), 'collector {{collector}}'),
          ]), 8],
        ],
      },
    ])),
  },
}
