// Alerts on workers: a whole system without workers, and single workers gone quiet.
local common = import '../common.libsonnet';

{
  local c = $._config,
  local p = c.metricPrefix,

  workerAlerts:: std.prune([
    local a = c.alerts.allWorkersDown;
    if a.enabled then common.alert(
      c,
      'JobExporterAllWorkersDown',
      a,
      // Only systems that had a worker recently: a system that never ran one is not "down".
      |||
        %(alive)s == 0
        and on (%(by)s)
        max by (%(by)s) (max_over_time(%(alive)s[%(lookback)s])) > 0
      ||| % { alive: p + 'workers_alive' + common.selector(c), by: common.by(c, ['system']), lookback: a.lookback },
      'No worker of a job system is alive.',
      'No {{ $labels.system }} worker is alive: jobs of this system are not running.',
      'overview',
      ['system'],
    ),

    local w = c.alerts.workerDown;
    assert common.seconds(w['for']) < common.seconds(w.seriesTtl)
           : 'alerts.workerDown.for must be shorter than seriesTtl, or the series is gone before the alert fires';
    if w.enabled then common.alert(
      c,
      'JobExporterWorkerDown',
      w,
      // worker_up goes to 0 when the exporter gives up on a worker; the heartbeat check also covers
      // a worker still marked up whose heartbeats stopped. Both hold until the series is dropped.
      |||
        max by (%(by)s) (%(up)s) == 0
        or
        max by (%(by)s) (time() - %(heartbeat)s) > %(timeout)d
      ||| % {
        by: common.by(c, ['system', 'hostname']),
        up: p + 'worker_up' + common.selector(c),
        heartbeat: p + 'worker_heartbeat_timestamp_seconds' + common.selector(c),
        timeout: w.heartbeatTimeoutSeconds,
      },
      'A worker stopped sending heartbeats.',
      'Worker {{ $labels.hostname }} ({{ $labels.system }}) has not been seen for more than %ds.' % w.heartbeatTimeoutSeconds,
      'overview',
      ['system'],
    ),
  ]),
}
