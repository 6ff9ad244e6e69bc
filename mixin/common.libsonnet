// Small helpers shared by alerts, rules and dashboards. Each takes the _config it needs.
{
  // A PromQL string literal body: backslashes and double quotes escaped.
  quote(s):: std.strReplace(std.strReplace(s, '\\', '\\\\'), '"', '\\"'),

  // A number as PromQL and people write it: 5, 0.1 (jsonnet's own formatting gives 0.10000000000000001).
  number(x)::
    if x == std.floor(x) then '%d' % x else std.rstripChars('%.6f' % x, '0'),

  // Seconds in a single-unit Prometheus duration such as '90s', '10m', '1h', '1d'.
  seconds(duration)::
    local units = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
    local unit = duration[std.length(duration) - 1];
    local number = std.substr(duration, 0, std.length(duration) - 1);
    if std.objectHas(units, unit) && std.length(number) > 0
    then std.parseInt(number) * units[unit]
    else error 'not a single-unit duration: "%s" (expected e.g. 30s, 10m, 1h, 1d)' % duration,

  // Labels every aggregation keeps, with the cluster label first when the setup spans clusters.
  by(config, labels)::
    std.join(', ', (if config.showMultiCluster then [config.clusterLabel] else []) + labels),

  // The exporter's selector plus extra matchers, e.g. selector(c, ['queue=~".+_error"']).
  selector(config, matchers=[])::
    if std.length(config.exporterSelector) == 0
    then error '_config.exporterSelector is required, e.g. job="jobexporter"'
    else '{' + std.join(', ', [config.exporterSelector] + matchers) + '}',

  // Recording rule name following level:metric:operations, e.g. system_queue_name:jobs_failed:rate5m.
  recorded(config, metric, operation)::
    'system_queue_name:%s%s:%s' % [config.metricPrefix, metric, operation],

  // A Grafana link to a dashboard, with template variables from the alert's labels.
  dashboardUrl(config, dashboard, vars=[])::
    '%s/d/%s/%s%s' % [
      config.grafanaUrl,
      config.dashboards[dashboard].uid,
      config.dashboards[dashboard].uid,
      if vars == [] then '' else '?' + std.join('&', ['var-%s={{ $labels.%s }}' % [v, v] for v in vars]),
    ],

  // The runbook anchor of an alert: its name in lower case, as GitHub renders a "## Name" heading.
  runbookUrl(config, alert):: '%s#%s' % [config.runbookUrl, std.asciiLower(alert)],

  // Builds an alerting rule from its per-alert settings; summary is static, description templated.
  alert(config, name, settings, expr, summary, description, dashboard, vars=[], labels={})::
    assert std.endsWith(summary, '.') : 'the summary of %s must end with a period' % name;
    {
      alert: name,
      expr: expr,
      'for': settings['for'],
      labels: { severity: settings.severity } + labels,
      annotations: {
        summary: summary,
        description: description,
        runbook_url: $.runbookUrl(config, name),
        dashboard_url: $.dashboardUrl(config, dashboard, vars),
      },
    },
}
