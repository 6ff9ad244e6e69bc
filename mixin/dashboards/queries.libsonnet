// Selectors the dashboards share: raw exporter series filtered by the template variables, and the
// recorded per-job series (which carry no job label, only system, queue and name).
local common = import '../common.libsonnet';

{
  new(config):: {
    local cluster = if config.showMultiCluster then ['%s=~"$cluster"' % config.clusterLabel] else [],
    local p = config.metricPrefix,

    // A raw series, e.g. raw('failed_total', ['system', 'queue', 'name']).
    raw(metric, filters=[], extra=[])::
      p + metric + common.selector(config, cluster + ['%s=~"$%s"' % [f, f] for f in filters] + extra),

    // A recorded per-job series, filtered by system, queue and name.
    recorded(metric, operation)::
      common.recorded(config, metric, operation)
      + '{' + std.join(', ', cluster + ['%s=~"$%s"' % [f, f] for f in ['system', 'queue', 'name']]) + '}',

    // The max over exporter replicas, to go inside every sum (see replicaLabels).
    dedup(expr):: common.dedup(config, expr),

    // Per-second rate of a raw counter, deduplicated over replicas.
    rate(metric, filters=[], range='$__rate_interval'):: self.dedup('rate(%s[%s])' % [self.raw(metric, filters), range]),

    // Growth of a raw counter over a range, deduplicated over replicas.
    increase(metric, filters=[], range='$__range'):: self.dedup('increase(%s[%s])' % [self.raw(metric, filters), range]),

    // A raw gauge, deduplicated over replicas.
    gauge(metric, filters=[]):: self.dedup(self.raw(metric, filters)),

    // A gauge that describes a shared thing (a queue, a Hangfire storage), not the exporter reading it:
    // every sidecar polls the same RabbitMQ queue or reports the whole storage's backlog, as HA replicas
    // do, so the max over every reporter, whatever replicaLabels says, is the one value; a sum would
    // multiply it by the number of sidecars.
    shared(metric, by, filters=[]):: 'max by (%s) (%s)' % [std.join(', ', by), self.raw(metric, filters)],

    // Quantiles of a histogram, grouped by `by` (with le).
    quantile(q, histogram, filters, by=[], range='$__rate_interval')::
      'histogram_quantile(%g, sum by (%s) (%s))' % [q, std.join(', ', by + ['le']), self.rate(histogram + '_bucket', filters, range)],

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
