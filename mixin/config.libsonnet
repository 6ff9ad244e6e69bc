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

    // Links in alert annotations.
    runbookUrl: 'https://github.com/jobexporter/jobexporter/blob/main/mixin/runbook.md',
    grafanaUrl: 'http://grafana.example.com',

    dashboards: {
      overview: { uid: 'jobexporter-overview', title: 'Jobs / Overview', file: 'jobexporter-overview.json' },
      job: { uid: 'jobexporter-job', title: 'Jobs / By job', file: 'jobexporter-job.json' },
      tags: ['jobexporter'],
      refresh: '30s',
      timeFrom: 'now-6h',
    },

    // One entry per alert: `enabled` toggles it, `for` delays it, `severity` labels it.
    alerts: {
      // More than `threshold` failures of one job (system + name) within `window`.
      failureBurst: {
        enabled: true,
        window: '10m',
        'for': '1m',
        threshold: 5,
        severity: 'warning',
        // Per job name: any field of the defaults above except `window` and `enabled`.
        overrides: {
          'InvoiceJob.Send': { threshold: 0, severity: 'critical' },
          'SupplierCatalog.Fetch': { threshold: 50 },
        },
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
      // jobs_workers_alive == 0 for a system that had a worker within `lookback`.
      allWorkersDown: {
        enabled: true,
        lookback: '1d',
        'for': '1m',
        severity: 'critical',
      },
      // A worker marked down, or whose last heartbeat is older than `heartbeatTimeoutSeconds`.
      // `for` must stay below `seriesTtl`: the exporter drops a down worker's series after it.
      workerDown: {
        enabled: true,
        heartbeatTimeoutSeconds: 120,
        seriesTtl: '10m',
        'for': '3m',
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
      // A dead-letter queue (name ends with `deadLetterSuffix`) holds more messages than `window` ago.
      deadLettersGrowing: {
        enabled: true,
        deadLetterSuffix: '_error',
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
      // The exporter lost its broker connection: no events arrive.
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
