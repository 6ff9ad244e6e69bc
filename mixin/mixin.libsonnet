// The JobExporter monitoring mixin: configuration, alerts, recording rules and dashboards.
(import 'config.libsonnet') +
(import 'alerts/alerts.libsonnet') +
(import 'rules/rules.libsonnet') +
(import 'dashboards/dashboards.libsonnet')
