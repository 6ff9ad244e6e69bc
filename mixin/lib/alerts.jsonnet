// Renders prometheus_alerts.yaml. `config` overrides _config, e.g. from a test.
function(config={}) ((import '../mixin.libsonnet') + { _config+:: config }).prometheusAlerts
