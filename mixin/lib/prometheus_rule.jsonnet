// Renders prometheus_rule.yaml: alerts and recording rules as one prometheus-operator PrometheusRule.
function(config={}, name='jobexporter', namespace='monitoring')
  local mixin = (import '../mixin.libsonnet') + { _config+:: config };
  {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: name,
      namespace: namespace,
      labels: { 'app.kubernetes.io/name': 'jobexporter', 'app.kubernetes.io/component': 'monitoring' },
    },
    spec: { groups: mixin.prometheusRules.groups + mixin.prometheusAlerts.groups },
  }
