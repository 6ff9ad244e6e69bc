// Selectors the dashboards share: raw exporter series filtered by the template variables, and the
// recorded per-job series (which carry no job label, only system, queue and name).
local common = import '../common.libsonnet';

{
  new(config):: {
    local cluster = if config.showMultiCluster then ['%s=~"$cluster"' % config.clusterLabel] else [],
    local p = config.metricPrefix,
    // The labels that name a job.
    local job = ['system', 'queue', 'name'],

    // A raw series, e.g. raw('failed_total', ['system', 'queue', 'name']).
    raw(metric, filters=[], extra=[])::
      p + metric + common.selector(config, cluster + ['%s=~"$%s"' % [f, f] for f in filters] + extra),

    // A recorded per-job series, filtered by system, queue and name.
    recorded(metric, operation)::
      common.recorded(config, metric, operation)
      + '{' + std.join(', ', cluster + ['%s=~"$%s"' % [f, f] for f in ['system', 'queue', 'name']]) + '}',

    // What the exporters report, aggregated by `by` over exporters and streams (common.aggregate: max
    // within a stream, sum across streams); a panel sums further from there.
    aggregate(expr, by=job):: common.aggregate(config, by, expr),

    // Per-second rate of a raw counter, by `by`.
    rate(metric, filters=[], range='$__rate_interval', by=job):: self.aggregate('rate(%s[%s])' % [self.raw(metric, filters), range], by),

    // Growth of a raw counter over a range, by `by`.
    increase(metric, filters=[], range='$__range', by=job):: self.aggregate('increase(%s[%s])' % [self.raw(metric, filters), range], by),

    // A gauge of what an exporter hears (workers alive), by `by`.
    gauge(metric, filters=[], by=[]):: self.aggregate(self.raw(metric, filters), by),

    // A gauge that describes one shared thing (a queue, a Hangfire storage, a worker), not the exporter
    // reading it: the plain max over every exporter, by the labels that name it (common.shared).
    shared(metric, by, filters=[]):: common.shared(config, by, self.raw(metric, filters)),

    // Quantiles of a histogram, grouped by `by`: buckets aggregated like counters, then the quantile.
    quantile(q, histogram, filters, by=[], range='$__rate_interval')::
      'histogram_quantile(%g, %s)' % [q, self.rate(histogram + '_bucket', filters, range, by + ['le'])],

    // The variables every dashboard starts with.
    variables(multiName=true):: (
      if config.showMultiCluster
      then [(import 'panels.libsonnet').queryVariable('cluster', 'Cluster', p + 'exporter_build_info{%s}' % config.exporterSelector, multi=false, labelName=config.clusterLabel)]
      else []
    ) + [
      (import 'panels.libsonnet').queryVariable('system', 'System', self.raw('workers_alive', [], []), multi=multiName),
      (import 'panels.libsonnet').queryVariable('queue', 'Queue', self.raw('started_total', ['system']), multi=true),
      (import 'panels.libsonnet').queryVariable('name', 'Job', self.raw('started_total', ['system', 'queue']), multi=multiName),
    ],
  },
}
