// Renders dashboards_out/ (multi-file output: file name to dashboard). `config` overrides _config.
function(config={}) ((import '../mixin.libsonnet') + { _config+:: config }).grafanaDashboards
