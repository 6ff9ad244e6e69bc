// The alert groups: one per subject, each filled by the file of that name.
(import 'jobs.libsonnet') +
(import 'workers.libsonnet') +
(import 'queues.libsonnet') +
(import 'exporter.libsonnet') +
{
  local c = $._config,
  prometheusAlerts+:: {
    groups+: [
      { name: '%s-%s' % [c.alertGroupName, g.name], rules: g.rules }
      for g in [
        { name: 'jobs', rules: std.flattenArrays($.jobAlerts) },
        { name: 'workers', rules: $.workerAlerts },
        { name: 'queues', rules: $.queueAlerts },
        { name: 'exporter', rules: $.exporterAlerts },
      ]
      if g.rules != []
    ],
  },
}
