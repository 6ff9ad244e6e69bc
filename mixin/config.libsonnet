// Every setting of the mixin, written down once. Override with:
//   (import 'mixin.libsonnet') + { _config+:: { exporterSelector: 'job="jobs"' } }
{
  _config+:: {
    // Metric name prefix of the exporter (its --metrics.prefix).
    metricPrefix: 'jobs_',

    // Selects the exporter's own series (and its `up`) in every alert, rule and dashboard.
    exporterSelector: 'job="jobexporter"',

    // Multi-cluster setups: group and filter by this label as well.
    showMultiCluster: false,
    clusterLabel: 'cluster',

    // Rule groups.
    alertGroupName: 'jobexporter',
    ruleGroupName: 'jobexporter.rules',

    // Windows of the recording rules; dashboards and the failure-rate alert read these.
    recordingWindows: ['5m', '1h', '1d'],
    // Windows of the recorded run counts (increase with new series counted whole); the 24 h panels read 1d.
    countWindows: ['1d'],

    // Links in alert annotations.
    runbookUrl: 'https://github.com/jobexporter/jobexporter/blob/main/mixin/runbook.md',
    grafanaUrl: 'http://grafana.example.com',

    dashboards: {
      overview: { uid: 'jobexporter-overview', title: 'Jobs / Overview', file: 'jobexporter-overview.json' },
      job: { uid: 'jobexporter-job', title: 'Jobs / By job', file: 'jobexporter-job.json' },
      tags: ['jobexporter'],
      refresh: '30s',
      timeFrom: 'now-6h',
      // "Jobs failing the most" ranks by failure share among jobs with at least this many runs in 24 h.
      failingMinRuns: 10,
    },

    // Target labels that tell apart copies of one event stream (an HA pair, a redeploy's old and new
    // pod). Nothing to choose per deployment shape: every exporter labels its series with the `stream`
    // it consumes, and common.aggregate takes the max over these labels within a stream and sums across
    // streams, so central, HA, sidecar and sharded exporters, mixed or not, all count right. Add a label
    // only if your scrape config gives each exporter target another label of its own (a node name, say).
    replicaLabels: ['instance', 'pod'],

    // One entry per alert: `enabled` toggles it, `for` delays it, `severity` labels it.
    alerts: {
      // Failures of one job (system + name) within `window`. Each job belongs to the first class
      // (lowest `rank`) whose `name` and `system` regexes both match it; `name: null` leaves a class
      // empty. A class fires when at least `threshold` runs failed AND at least `minShare` of the
      // runs that finished in the window failed, so a busy job failing at its usual 1 % stays quiet
      // while a critical job pages on its first failure. Jobs no class matches use `default`.
      // The defaults name no job: set classes for your own jobs, e.g.
      //   failureBurst+: { classes+: { critical+: { name: 'Payment\\..*' } } }
      failureBurst: {
        enabled: true,
        window: '10m',
        // 0s: a burst is already a count over `window`; time to alert is one scrape plus one evaluation.
        'for': '0s',
        classes: {
          critical: { rank: 1, name: null, system: '.+', threshold: 1, minShare: 0, severity: 'critical' },
          low: { rank: 2, name: null, system: '.+', threshold: 20, minShare: 0.5, severity: 'info' },
        },
        default: { threshold: 5, minShare: 0.1, severity: 'warning' },
      },
      // Share of failed runs above `threshold` over `window` (one of recordingWindows),
      // only when at least `minRuns` runs finished in that window.
      failureRate: {
        enabled: true,
        window: '1h',
        'for': '15m',
        threshold: 0.1,
        minRuns: 20,
        severity: 'warning',
      },
      // No worker of a system is alive. Holds for an outage of any length: it reads the exporter's
      // workers_alive (0 while none is up; --systems makes it exist from the start) and no lookback.
      allWorkersDown: {
        enabled: true,
        'for': '1m',
        severity: 'critical',
      },
      // A worker went silent past the exporter's timeout (crash, hang, network). A worker that said
      // goodbye (worker-offline: a deploy, a planned scale-in) does not fire. No clock is compared:
      // the exporter decides on its own monotonic timer and exports jobs_worker_timed_out.
      // `for` must stay below `seriesTtl` (--worker.purge-after): the series is dropped after it.
      workerDown: {
        enabled: true,
        seriesTtl: '10m',
        'for': '1m',
        severity: 'warning',
      },
      // Alive workers of a system fell below `ratio` of their usual number (the median over
      // `usualOver`), without reaching 0 (AllWorkersDown covers that). Catches scale-ins nobody
      // planned; a planned one is absorbed as the median follows it, or silenced.
      capacityLost: {
        enabled: true,
        ratio: 0.5,
        usualOver: '1d',
        'for': '15m',
        severity: 'warning',
      },
      // More than `threshold` ready messages in a (non dead-letter) queue.
      queueBacklog: {
        enabled: true,
        threshold: 1000,
        'for': '15m',
        severity: 'warning',
      },
      // Messages waiting in a queue that nothing consumes.
      queueWithoutConsumers: {
        enabled: true,
        'for': '10m',
        severity: 'warning',
      },
      // A dead-letter queue (name ends with one of `deadLetterSuffixes`: MassTransit's faulted and
      // skipped messages) holds more messages than `window` ago.
      deadLettersGrowing: {
        enabled: true,
        deadLetterSuffixes: ['_error', '_skipped'],
        window: '10m',
        'for': '5m',
        severity: 'warning',
      },
      // Emitters dropped events (their buffer was full) within `window`.
      emitterDroppingEvents: {
        enabled: true,
        window: '10m',
        'for': '5m',
        severity: 'warning',
      },
      // The exporter itself lost events within `window`: its own RabbitMQ queue was at its x-max-length
      // (RabbitMQ dropped the oldest), or its Celery subscription on Redis was cut off, lost or overflowed.
      // A loss is a fact, not a state that may pass: no `for`.
      exporterLosingEvents: {
        enabled: true,
        window: '10m',
        'for': '0s',
        severity: 'warning',
      },
      // Prometheus cannot scrape the exporter.
      exporterDown: {
        enabled: true,
        'for': '5m',
        severity: 'critical',
      },
      // No exporter target at all.
      exporterAbsent: {
        enabled: true,
        'for': '10m',
        severity: 'critical',
      },
      // The exporter lost a broker connection (its main consumer, or with --celery.enabled its Celery one).
      brokerDisconnected: {
        enabled: true,
        'for': '2m',
        severity: 'critical',
      },
      // A collector (broker API, Hangfire storage, ...) fails to collect.
      collectorFailing: {
        enabled: true,
        'for': '10m',
        severity: 'warning',
      },
    },
  },
}
