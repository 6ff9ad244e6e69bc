// Alerts on the exporter itself and on what it depends on: without it every other alert is blind.
local common = import '../common.libsonnet';

{
  local c = $._config,
  local p = c.metricPrefix,

  exporterAlerts:: std.prune([
    local e = c.alerts.emitterDroppingEvents;
    if e.enabled then common.alert(
      c,
      'JobExporterEmitterDroppingEvents',
      e,
      // The dropped count only grows until the worker restarts, so it is counted like a counter. Its
      // value is the worker's lifetime count, not this exporter process's: a series new to a
      // redeployed exporter is not counted whole (sinceProcessStart=false).
      // The count is the emitter's own, the same in every exporter that hears it: the max by worker.
      '%s > 0\n' % common.shared(c, ['system', 'hostname'], '\n' + common.indent(common.increaseSafe(c, p + 'emitter_dropped_events' + common.selector(c), e.window, sinceProcessStart=false), 2)),
      'An emitter is dropping job events.',
      'The emitter on {{ $labels.hostname }} ({{ $labels.system }}) dropped {{ $value | printf "%%.0f" }} events in the last %s; job metrics from it undercount.' % e.window,
      'overview',
      ['system'],
    ),

    local l = c.alerts.exporterLosingEvents;
    // How much `series` grew within the window, labelled loss="<loss>" (which may take $1 from `from`).
    local lossIn(series, loss, from='', pattern='') =
      'label_replace(\n%s,\n  "loss", "%s", "%s", "%s"\n)' % [
        common.indent(std.rstripChars(common.increaseSafe(c, p + series + common.selector(c), l.window), '\n'), 2), loss, from, pattern,
      ];
    if l.enabled then common.alert(
      c,
      'JobExporterLosingEvents',
      l,
      // Each way the exporter can lose events is its own counter; `loss` names which. The counts are
      // this exporter process's own (sinceProcessStart), and the Redis reasons start at 0, so a restart
      // or a redeploy alone is silent.
      |||
        (
        %s
        )
        > 0
      ||| % common.indent(std.join('\nor\n', [
        lossIn('exporter_queue_full_total', 'queue_full'),
        lossIn('exporter_celery_redis_reconnects_total', 'redis_$1', 'reason', '(.+)'),
        lossIn('exporter_celery_redis_dropped_total', 'redis_buffer_full'),
      ]), 2),
      'The job exporter is losing events.',
      'The job exporter {{ $labels.instance }} lost events in the last %s ({{ $labels.loss }}{{ with $labels.queue }}, queue {{ . }}{{ end }}); job metrics undercount.' % l.window,
      'overview',
    ),

    local d = c.alerts.exporterDown;
    if d.enabled then common.alert(
      c,
      'JobExporterDown',
      d,
      // `up` carries only target labels; the stream the exporter last reported (looked up over a day,
      // every 10 minutes) tells the Alertmanager whether a sidecar or a central exporter is down, so a
      // sidecar's outage inhibits only its own worker's alerts (deploy/alertmanager/alertmanager.yml).
      common.sidecarWorker(|||
        (
          (up%(sel)s == 0)
          + %(on)s group_left (stream)
          (0 * topk by (%(target)s) (1, last_over_time(%(p)sexporter_build_info%(sel)s[1d:10m])))
        )
        or %(on)s
        up%(sel)s == 0
      ||| % { sel: common.selector(c), on: common.onReplica(c), target: common.replicaTarget(c), p: p }) + '\n',
      'Prometheus cannot scrape the job exporter.',
      'The job exporter {{ $labels.instance }} has not been scraped successfully for %s.' % d['for'],
      'overview',
    ),

    local a = c.alerts.exporterAbsent;
    if a.enabled then common.alert(
      c,
      'JobExporterAbsent',
      a,
      'absent(up%s)\n' % common.selector(c),
      'The job exporter has disappeared from Prometheus.',
      'No target matches %s for %s: the job exporter is not deployed or not discovered.' % [c.exporterSelector, a['for']],
      'overview',
    ),

    local b = c.alerts.brokerDisconnected;
    if b.enabled then common.alert(
      c,
      'JobExporterBrokerDisconnected',
      b,
      // One series per consumer that is down, told apart by `consumer`: the main one (the emitters'
      // events) and, with --celery.enabled, the Celery one, which connects on its own. An exporter
      // without the Celery source has no Celery gauge, so nothing of it can match; a gauge that goes
      // stale (scrape gap, the pod is gone) ends the pending time instead of holding a 0.
      // A sidecar's alert names its worker (hostname), for the Alertmanager's inhibition.
      common.sidecarWorker(|||
        label_replace(%s == 0, "consumer", "main", "", "")
        or
        label_replace(%s == 0, "consumer", "celery", "", "")
      ||| % [p + 'exporter_broker_connected' + common.selector(c), p + 'exporter_celery_broker_connected' + common.selector(c)]) + '\n',
      'The job exporter is not connected to the broker.',
      'The %s consumer of the job exporter {{ $labels.instance }} has had no broker connection for %s: no %s are arriving.' % [
        '{{ $labels.consumer }}',
        b['for'],
        '{{ if eq $labels.consumer "celery" }}Celery events{{ else }}job events from the emitters{{ end }}',
      ],
      'overview',
    ),

    local f = c.alerts.collectorFailing;
    if f.enabled then common.alert(
      c,
      'JobExporterCollectorFailing',
      f,
      '%s == 0\n' % (p + 'exporter_collector_success' + common.selector(c)),
      'A collector of the job exporter is failing.',
      'Collector {{ $labels.collector }} of {{ $labels.instance }} has failed for %s; its metrics are stale or missing.' % f['for'],
      'overview',
    ),
  ]),
}
