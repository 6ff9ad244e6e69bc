using JobExporter.Aggregation;
using JobExporter.Metrics;
using Prometheus;

namespace JobExporter.Celery;

/// <summary>
/// With <c>--celery.exporter-names</c>, celery-exporter's <c>celery_task_runtime</c> histogram (name, hostname, queue_name;
/// buckets from <c>--celery.exporter-runtime-buckets</c>, celery-exporter's by default), which celery-mixin's runtime panels
/// read. Unlike the counters that <see cref="CeleryExporterNames"/> copies at scrape time, a histogram cannot be copied
/// from ours (other buckets, and ours has no hostname by default), so it observes each succeeded Celery task as the
/// applier counts it, as celery-exporter does (task-succeeded only, its <c>runtime</c> field).
/// Its labels are those of the job counters (guarded, folded into <c>__other__</c> past the budget), so it has at most
/// one child per Celery job series; with <c>--no-metrics.job-hostname</c> it has no hostname either. A child whose job
/// series was purged with its worker is removed at the next scrape.
/// </summary>
internal sealed class CeleryExporterRuntime
{
    private readonly ExporterMetrics _metrics;
    private readonly bool _hostname;
    private readonly Histogram _runtime;

    public CeleryExporterRuntime(ExporterMetrics metrics, EventApplier applier, double[] buckets)
    {
        _metrics = metrics;
        _hostname = metrics.JobHostname;
        _runtime = metrics.Factory.CreateHistogram("celery_task_runtime",
            "celery-exporter's runtime histogram of succeeded Celery tasks, in seconds (ours is jobs_runtime_seconds{system=\"celery\"}).",
            _hostname ? ["name", "hostname", "queue_name"] : ["name", "queue_name"], new HistogramConfiguration { Buckets = buckets });
        applier.Succeeded += Observe;
        // Without the hostname the job series are never purged, nor are these.
        if (_hostname) metrics.Registry.AddBeforeCollectCallback(RemovePurged);
    }

    private void Observe(string system, string name, string queue, string hostname, double seconds)
    {
        if (system != CeleryEventDecoder.System) return;
        var child = _hostname ? _runtime.WithLabels(name, CeleryExporterNames.Host(hostname), queue) : _runtime.WithLabels(name, queue);
        child.Observe(seconds);
    }

    // Our succeeded counter is labelled system, name, queue, hostname: a histogram child lives as long as one of its series.
    private void RemovePurged()
    {
        var live = new HashSet<(string, string, string)>();
        foreach (var l in _metrics.Succeeded.GetAllLabelValues())
        {
            if (l.Length >= 4 && l[0] == CeleryEventDecoder.System) live.Add((l[1], CeleryExporterNames.Host(l[3]), l[2]));
        }
        foreach (var l in _runtime.GetAllLabelValues().ToList())
        {
            if (!live.Contains((l[0], l[1], l[2]))) _runtime.RemoveLabelled(l);
        }
    }
}
