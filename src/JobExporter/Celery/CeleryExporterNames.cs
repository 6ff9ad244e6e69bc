using JobExporter.Metrics;
using Prometheus;

namespace JobExporter.Celery;

/// <summary>
/// With <c>--celery.exporter-names</c>, serves the <c>system="celery"</c> series a second time under celery-exporter's
/// names and labels (<c>celery_task_sent_total{name,hostname,queue_name}</c>, <c>celery_worker_up{hostname}</c>, ...),
/// so that celery-mixin dashboards and alerts keep working during a migration. The copies are taken from our own series
/// just before each scrape, so they inherit every guard (label caps, de-duplication, purge) and add no work per event.
/// As celery-exporter does, the hostname is the part after <c>@</c> and task-sent's hostname is <c>generic</c>; with
/// <c>--no-metrics.job-hostname</c> the task counters' copies have no hostname either, as ours have none.
/// Like every family of the exporter, the copies carry the <c>stream</c> label: a constant, so sums by their own labels
/// (what celery-mixin does) are unchanged.
/// </summary>
internal sealed class CeleryExporterNames
{
    private const string Celery = CeleryEventDecoder.System;
    private readonly ExporterMetrics _metrics;
    private readonly bool _hostname;
    private readonly (CompactCounter Ours, Counter Theirs)[] _taskCounters;
    private readonly Counter _sent;
    private readonly Counter _failed;
    private readonly Gauge _workerUp;
    private readonly Gauge _workerActive;
    private readonly Gauge _queueLength;
    private readonly Gauge _queueConsumers;

    public CeleryExporterNames(ExporterMetrics metrics)
    {
        _metrics = metrics;
        var f = metrics.Factory;
        _hostname = metrics.JobHostname;
        string[] taskLabels = _hostname ? ["name", "hostname", "queue_name"] : ["name", "queue_name"];
        Counter TaskCounter(string what, string help) => f.CreateCounter($"celery_task_{what}_total", help, taskLabels);
        _sent = TaskCounter("sent", "celery-exporter's name for jobs_sent_total{system=\"celery\"}; hostname is generic.");
        _taskCounters =
        [
            (metrics.Received, TaskCounter("received", "celery-exporter's name for jobs_received_total{system=\"celery\"}.")),
            (metrics.Started, TaskCounter("started", "celery-exporter's name for jobs_started_total{system=\"celery\"}.")),
            (metrics.Succeeded, TaskCounter("succeeded", "celery-exporter's name for jobs_succeeded_total{system=\"celery\"}.")),
            (metrics.Retried, TaskCounter("retried", "celery-exporter's name for jobs_retried_total{system=\"celery\"}, summed over exceptions.")),
            (metrics.Rejected, TaskCounter("rejected", "celery-exporter's name for jobs_rejected_total{system=\"celery\"}.")),
            (metrics.Revoked, TaskCounter("revoked", "celery-exporter's name for jobs_revoked_total{system=\"celery\"}.")),
        ];
        _failed = f.CreateCounter("celery_task_failed_total", "celery-exporter's name for jobs_failed_total{system=\"celery\"}.",
            _hostname ? ["name", "hostname", "exception", "queue_name"] : ["name", "exception", "queue_name"]);
        _workerUp = f.CreateGauge("celery_worker_up", "celery-exporter's name for jobs_worker_up{system=\"celery\"}.", ["hostname"]);
        _workerActive = f.CreateGauge("celery_worker_tasks_active", "celery-exporter's name for jobs_worker_active{system=\"celery\"}.", ["hostname"]);
        _queueLength = f.CreateGauge("celery_queue_length", "celery-exporter's name for jobs_queue_length{system=\"celery\"}.", ["queue_name"]);
        _queueConsumers = f.CreateGauge("celery_active_consumer_count", "celery-exporter's name for jobs_queue_consumers{system=\"celery\"}.", ["queue_name"]);
        metrics.Registry.AddBeforeCollectCallback(Copy);
    }

    /// <summary>celery-exporter labels workers by the host part of the node name (<c>celery@web-1</c> is <c>web-1</c>).</summary>
    public static string Host(string nodeName) => nodeName[(nodeName.IndexOf('@') + 1)..];

    private void Copy()
    {
        // Label order of ours: system, name, queue[, hostname][, exception]; the hostname only when the job counters have it.
        if (_hostname)
        {
            Mirror(_metrics.Sent, _sent, l => [l[1], "generic", l[2]]);
            foreach (var (ours, theirs) in _taskCounters) Mirror(ours, theirs, l => [l[1], Host(l[3]), l[2]]);
            Mirror(_metrics.Failed, _failed, l => [l[1], Host(l[3]), l[4], l[2]]);
        }
        else
        {
            Mirror(_metrics.Sent, _sent, l => [l[1], l[2]]);
            foreach (var (ours, theirs) in _taskCounters) Mirror(ours, theirs, l => [l[1], l[2]]);
            Mirror(_metrics.Failed, _failed, l => [l[1], l[3], l[2]]);
        }
        Mirror(_metrics.WorkerUp, _workerUp, l => [Host(l[1])]);
        Mirror(_metrics.WorkerActive, _workerActive, l => [Host(l[1])]);
        Mirror(_metrics.QueueLength, _queueLength, l => [l[1]]);
        Mirror(_metrics.QueueConsumers, _queueConsumers, l => [l[1]]);
    }

    private static void Mirror(CompactCounter ours, Counter theirs, Func<string[], string[]> labels)
    {
        var sums = Sums(ours.GetAllLabelValues(), l => ours.WithLabels(l).Value, labels);
        foreach (var (key, value) in sums) theirs.WithLabels(key.Split('\0')).IncTo(value);
        RemoveStale(theirs.GetAllLabelValues(), sums, l => theirs.RemoveLabelled(l));
    }

    private static void Mirror(Gauge ours, Gauge theirs, Func<string[], string[]> labels)
    {
        var sums = Sums(ours.GetAllLabelValues(), l => ours.WithLabels(l).Value, labels);
        foreach (var (key, value) in sums) theirs.WithLabels(key.Split('\0')).Set(value);
        RemoveStale(theirs.GetAllLabelValues(), sums, l => theirs.RemoveLabelled(l));
    }

    // Several of our series can make one of theirs (retries by exception, hosts that differ only before '@'): they add up.
    private static Dictionary<string, double> Sums(IEnumerable<string[]> ourLabels, Func<string[], double> value, Func<string[], string[]> labels)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var l in ourLabels)
        {
            if (l.Length == 0 || l[0] != Celery) continue;
            var key = string.Join('\0', labels(l));
            sums[key] = sums.GetValueOrDefault(key) + value(l);
        }
        return sums;
    }

    // A series of ours that was purged (its worker gone) takes its copy with it.
    private static void RemoveStale(IEnumerable<string[]> theirLabels, Dictionary<string, double> sums, Action<string[]> remove)
    {
        foreach (var l in theirLabels.ToList())
        {
            if (!sums.ContainsKey(string.Join('\0', l))) remove(l);
        }
    }
}
