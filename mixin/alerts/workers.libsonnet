// Alerts on workers: a whole system without workers, single workers that went silent, lost capacity.
// None compares Prometheus' clock with a worker's: the exporter decides liveness on its own timer.
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
      // workers_alive exists for systems that had a worker (or are listed in --systems) and stays at 0
      // while none is up, so this holds for an outage of any length. Aggregated as the recorded rule
      // is (max within a stream: one replica that just restarted and has not heard a heartbeat yet does
      // not count as an outage; sum across streams: every sidecar at 0), but from the raw gauge, so it
      // does not wait for the recording rule.
      '%s == 0\n' % common.aggregate(c, ['system'], p + 'workers_alive' + common.selector(c)),
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
      // Timed out on an exporter, and up on none: a worker that said goodbye (worker-offline) has
      // jobs_worker_timed_out at 0, so deploys and planned scale-ins stay quiet. A worker's state is
      // one fact however many exporters hear it (its sidecar, a central exporter, replicas): plain max.
      |||
        %(timedOut)s == 1
        unless on (%(by)s)
        %(up)s == 1
      ||| % {
        by: common.by(c, ['system', 'hostname']),
        timedOut: common.shared(c, ['system', 'hostname'], p + 'worker_timed_out' + common.selector(c)),
        up: common.shared(c, ['system', 'hostname'], p + 'worker_up' + common.selector(c)),
      },
      'A worker stopped sending heartbeats.',
      'Worker {{ $labels.hostname }} ({{ $labels.system }}) went silent past its timeout (crash, hang or network) without saying goodbye.',
      'overview',
      ['system'],
    ),

    local k = c.alerts.capacityLost;
    if k.enabled then common.alert(
      c,
      'JobExporterWorkerCapacityLost',
      k,
      // Below `ratio` of the median over usualOver, but not 0 (that is AllWorkersDown).
      |||
        (
          %(alive)s
          < %(ratio)s * quantile_over_time(0.5, %(alive)s[%(usual)s])
        ) > 0
      ||| % {
        alive: common.recordedAlive(c),
        ratio: common.number(k.ratio),
        usual: k.usualOver,
      },
      'A job system lost much of its worker capacity.',
      'Only {{ $value }} {{ $labels.system }} workers are alive, fewer than %s%% of the usual number (median over %s).' % [common.number(k.ratio * 100), k.usualOver],
      'overview',
      ['system'],
    ),
  ]),
}
