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

  // Adds up what the exporters report, by `labels`, right in every deployment shape and with no setting
  // to pick. Each exporter labels its series with the event `stream` it consumes
  // (docs/scaling.md, "Deployment shapes"): the exchange alone when it takes the whole exchange (a central exporter),
  // the exchange and its binding keys when it takes a part (a sidecar bound to its pod's events, a shard).
  //   1. Copies of one stream (an HA pair, a redeploy's old and new pod) counted the same events: the
  //      largest value of each series over them (max without replicaLabels); one that missed some (it
  //      restarted, its queue was new) holds less. Over a `window` (counts and rates), copies that
  //      followed one another (a redeploy) counted different events: see `generation`.
  //   2. Different streams saw different events: summed, the whole streams apart from the parts.
  //   3. A central exporter next to sidecars counts the same events as whole and as parts: the larger
  //      of the two sums. A series without `stream` (an older exporter) counts as a whole stream.
  aggregate(config, labels, expr, window=null)::
    local tagged =
      if window == null then $.inline(expr)
      else '%s\n+ %s group_left (generation)\n%s' % [$.inline(expr), $.onReplica(config), $.inline($.generation(config, window))];
    local perCopy =
      if std.length(config.replicaLabels) == 0 then tagged
      else if window == null then 'max without (%s) (%s)' % [std.join(', ', config.replicaLabels), tagged]
      else 'max without (%s) (\n%s\n)' % [std.join(', ', config.replicaLabels), $.indent(tagged, 2)];
    local outer = $.by(config, labels);
    $.inline(|||
      max %(by)s(
        sum by (%(scope)s) (
          label_replace(
      %(perCopy)s,
            "scope", "whole", "stream", "[^/]*"
          )
        )
      )
    ||| % {
      by: if outer == '' then '' else 'by (%s) ' % outer,
      scope: $.by(config, labels + ['scope']),
      perCopy: $.indent(perCopy, 6),
    }),

  // A `generation` label (value 0) for every exporter target seen within `window`, so that copies of one
  // stream that followed one another add up while copies that ran side by side count once. When a copy
  // of the stream has run for the whole window (uptime, a monotonic duration), it saw everything: all its
  // copies are one generation ("all") and the max holds. Otherwise the copies scraped now ("live") and
  // those gone ("gone": the old pod of a redeploy, which stopped before the new one took over its queue)
  // are two generations, each taken at its max, then summed. Every target Prometheus scraped has `up`,
  // so every copy gets a generation.
  generation(config, window)::
    local target = $.replicaTarget(config);
    local uptime = config.metricPrefix + 'exporter_uptime_seconds' + $.selector(config);
    |||
      topk by (%(target)s) (1,
        label_replace(0 * (last_over_time(%(uptime)s[%(w)s]) and on (%(stream)s) (%(uptime)s >= %(secs)d)), "generation", "all", "", "")
        or on (%(target)s)
        label_replace(0 * (up%(sel)s == 1), "generation", "live", "", "")
        or on (%(target)s)
        label_replace(0 * max_over_time(up%(sel)s[%(w)s]), "generation", "gone", "", "")
      )
    ||| % {
      target: target,
      uptime: uptime,
      w: window,
      stream: $.by(config, ['stream']),
      secs: $.seconds(window),
      sel: $.selector(config),
    },

  // A gauge that describes one shared thing (a broker queue, a Hangfire storage, a worker), not the
  // exporter that reads it: every exporter polling it reports the same value, so the plain max over
  // all of them, by the labels that name the thing, is its value (a sum would count it once per exporter).
  shared(config, labels, expr):: 'max by (%s) (%s)' % [$.by(config, labels), $.inline(expr)],

  // An expression without its trailing newline, to go inside another.
  inline(expr):: std.rstripChars(expr, '\n'),

  // Matching on one exporter target: its replica labels and `instance` (always a target label), and the
  // cluster label when there is one. `up` carries only target labels (no `stream`), so this is how a
  // series finds the scrape health and uptime of the exporter that serves it.
  onReplica(config):: 'on (%s)' % $.replicaTarget(config),
  replicaTarget(config)::
    std.join(', ', (if config.showMultiCluster then [config.clusterLabel] else []) + std.uniq(std.sort(['instance'] + config.replicaLabels))),

  // Adds `hostname` to the series of a sidecar: an exporter whose stream is one worker's events (bound
  // with the single key *.*.<hostname>, as deploy/kubernetes/sidecar does). Alerts on the exporter carry
  // it so that the Alertmanager can inhibit that worker's alerts alone (a pod name has no dot, which a
  // routing key would have turned into "_").
  sidecarWorker(expr)::
    'label_replace(\n%s,\n  "hostname", "$1", "stream", "[^/]*/\\\\*\\\\.\\\\*\\\\.([^,]+)"\n)' % $.indent($.inline(expr), 2),

  // How much a counter series grew within `window`, per replica, so that gaps, restarts and
  // redeploys never read as a burst of lifetime totals:
  //   1. a series Prometheus already had at the window's start: increase(), which handles resets;
  //   2. a series born inside the window, when that is known to be a real birth: its whole value (its
  //      last one: the series may have ended since, a worker purged or a sidecar's pod scaled in).
  //      It is, when Prometheus scraped that replica successfully while the series was not there
  //      (more successful scrapes, sum_over_time(up), than samples of the series), or, for the
  //      exporter's own counters (`sinceProcessStart`), when the exporter process is younger than the
  //      window (all it counted happened inside the window);
  //   3. any other series (it was there before Prometheus looked: a Prometheus restart, a scrape gap,
  //      a fresh Prometheus): increase() over what Prometheus has, which ignores the first sample but
  //      never counts an old total.
  // The exporter's uptime is a duration from its monotonic clock: no clock is compared.
  increaseSafe(config, series, window, sinceProcessStart=true)::
    local on = $.onReplica(config);
    local watched = 'count_over_time(%(s)s[%(w)s]) < %(on)s group_left () sum_over_time(up%(sel)s[%(w)s])' % {
      s: series, w: window, on: on, sel: $.selector(config),
    };
    local young = 'last_over_time(%(s)s[%(w)s]) and %(on)s (last_over_time(%(p)sexporter_uptime_seconds%(sel)s[%(w)s]) < %(secs)d)' % {
      s: series, w: window, on: on, p: config.metricPrefix, sel: $.selector(config), secs: $.seconds(window),
    };
    |||
      (increase(%(s)s[%(w)s]) and %(s)s offset %(w)s)
      or
      ((last_over_time(%(s)s[%(w)s]) unless %(s)s offset %(w)s) and (%(gate)s))
      or
      increase(%(s)s[%(w)s])
    ||| % {
      s: series,
      w: window,
      gate: if sinceProcessStart then '(%s) or (%s)' % [watched, young] else watched,
    },

  // Runs of `metric` (e.g. 'failed_total') within `window`, by `labels`: counted per exporter with
  // increaseSafe, then aggregated over exporters and streams.
  countIn(config, metric, window, labels, matchers=[])::
    local series = config.metricPrefix + metric + $.selector(config, matchers);
    $.aggregate(config, labels, '(\n' + $.indent($.increaseSafe(config, series, window), 2) + ')', window),

  // Indents every non-empty line of `text` by `n` spaces.
  indent(text, n)::
    std.join('\n', [if std.length(l) == 0 then l else std.repeat(' ', n) + l for l in std.split(text, '\n')]),

  // Recording rule name following level:metric:operations, e.g. system_queue_name:jobs_failed:rate5m.
  recorded(config, metric, operation)::
    'system_queue_name:%s%s:%s' % [config.metricPrefix, metric, operation],

  // Alive workers per system, added up over streams (a recording rule: capacity alerts look back over it).
  recordedAlive(config):: 'system:%sworkers_alive:sum' % config.metricPrefix,

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
