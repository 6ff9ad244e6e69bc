using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;
using L = JobExporter.Metrics.LabelNames;

namespace JobExporter.Aggregation;

/// <summary>
/// Applies parsed events to the metrics: de-duplicates by id, sanitises and caps label values, counts,
/// times, and hands worker events to the <see cref="WorkerTracker"/>. One lock serialises events and the
/// liveness timer; scrapes read prometheus-net's own thread-safe values and never take it.
/// </summary>
internal sealed class EventApplier : IEventSink
{
    private readonly object _gate = new();
    private readonly ExporterMetrics _metrics;
    private readonly LabelGuard _labels;
    private readonly Deduplicator _dedup;
    private readonly QueueRegistry _queues;
    private readonly HostSeries _hostSeries = new();
    private readonly HashSet<(string System, string Name, string Queue, string Hostname)> _jobSeries = [];
    private readonly HashSet<(string System, string Name, string Queue)> _sentSeries = [];

    public EventApplier(ExporterMetrics metrics, LabelGuard labels, Deduplicator dedup, QueueRegistry queues,
        Func<Action<WorkerKey>, WorkerTracker> workers)
    {
        _metrics = metrics;
        _labels = labels;
        _dedup = dedup;
        _queues = queues;
        Workers = workers(Purge);
    }

    public WorkerTracker Workers { get; }

    /// <summary>The applier as the options configure it: the one place its parts are put together.</summary>
    public static EventApplier Create(ExporterOptions options, ExporterMetrics metrics, QueueRegistry queues, TimeProvider time) => new(
        metrics,
        new LabelGuard(options.MaxLabelValues, options.MaxLabelLength, label => metrics.LabelOverflow.WithLabels(label).Inc()),
        new Deduplicator(options.DedupWindow),
        queues,
        purge => new WorkerTracker(metrics, time, options.WorkerTimeout, ExporterOptions.DefaultWorkerTimeout,
            options.WorkerPurgeAfter, options.Systems, purge));

    public void OnEvent(JobEvent e)
    {
        lock (_gate)
        {
            if (_dedup.IsDuplicate(e.Id))
            {
                _metrics.EventsDuplicate.Inc();
                return;
            }
            var system = _labels.Value(L.System, e.System);
            _metrics.Events.WithLabels(system, e.Type.ToWireName()).Inc();
            if (e.Type.IsWorkerEvent())
            {
                Workers.Apply(e, new WorkerKey(system, _labels.Value(L.Hostname, e.Hostname)));
            }
            else
            {
                ApplyJob(e, system);
            }
        }
    }

    public void OnInvalid(string reason) => _metrics.EventsInvalid.WithLabels(reason).Inc();

    /// <summary>Runs the liveness timer's work under the same lock as events.</summary>
    public void Tick()
    {
        lock (_gate) Workers.Tick();
    }

    private void ApplyJob(JobEvent e, string system)
    {
        var name = _labels.Value(L.Name, e.Name);
        var queue = _labels.Value(L.Queue, e.Queue);
        if (e.Type == EventType.JobSent)
        {
            // Not learnt from job-sent: a MassTransit publish names the message type's exchange, not a queue.
            if (_sentSeries.Add((system, name, queue))) _metrics.Sent.WithLabels(system, name, queue).Inc(0);
            _metrics.Sent.WithLabels(system, name, queue).Inc();
            return;
        }
        _queues.Learn(system, queue);
        var hostname = _labels.Value(L.Hostname, e.Hostname);
        EnsureSiblings(system, name, queue, hostname);
        switch (e.Type)
        {
            case EventType.JobReceived:
                _metrics.Received.WithLabels(system, name, queue, hostname).Inc();
                break;
            case EventType.JobStarted:
                _metrics.Started.WithLabels(system, name, queue, hostname).Inc();
                if (e.Wait is { } wait) Histogram(_metrics.Wait, system, hostname, [system, name, queue]).Observe(wait);
                break;
            case EventType.JobSucceeded:
                _metrics.Succeeded.WithLabels(system, name, queue, hostname).Inc();
                Histogram(_metrics.Runtime, system, hostname, [system, name, queue, "succeeded"]).Observe(e.Runtime ?? 0);
                break;
            case EventType.JobFailed:
                Counted(_metrics.Failed, system, hostname, [system, name, queue, hostname, _labels.Value(L.Exception, e.Exception)]).Inc();
                Histogram(_metrics.Runtime, system, hostname, [system, name, queue, "failed"]).Observe(e.Runtime ?? 0);
                break;
            case EventType.JobRetried:
                Counted(_metrics.Retried, system, hostname, [system, name, queue, hostname, _labels.Value(L.Exception, e.Exception)]).Inc();
                break;
            case EventType.JobRejected:
                _metrics.Rejected.WithLabels(system, name, queue, hostname).Inc();
                break;
            case EventType.JobRevoked:
                _metrics.Revoked.WithLabels(system, name, queue, hostname).Inc();
                break;
        }
    }

    // The first event of a job on a host creates all its counters at 0, so that rates and ratios
    // (failed / (failed + succeeded)) are defined before the first failure.
    private void EnsureSiblings(string system, string name, string queue, string hostname)
    {
        if (!_jobSeries.Add((system, name, queue, hostname))) return;
        string[] labels = [system, name, queue, hostname];
        string[] withException = [system, name, queue, hostname, ""];
        foreach (var counter in new[] { _metrics.Received, _metrics.Started, _metrics.Succeeded, _metrics.Rejected, _metrics.Revoked })
        {
            Counted(counter, system, hostname, labels).Inc(0);
        }
        Counted(_metrics.Failed, system, hostname, withException).Inc(0);
        Counted(_metrics.Retried, system, hostname, withException).Inc(0);
    }

    private Prometheus.ICounter Counted(Prometheus.Counter family, string system, string hostname, string[] labels)
    {
        var child = family.WithLabels(labels);
        if (child.Value == 0) _hostSeries.Add(new WorkerKey(system, hostname), family, labels);
        return child;
    }

    private Prometheus.IHistogram Histogram(Prometheus.Histogram family, string system, string hostname, string[] labels)
    {
        if (!_metrics.HistogramHostname) return family.WithLabels(labels);
        string[] withHost = [.. labels, hostname];
        var child = family.WithLabels(withHost);
        if (child.Count == 0) _hostSeries.Add(new WorkerKey(system, hostname), family, withHost);
        return child;
    }

    // Called by the tracker, under the lock, when a worker has been down past the purge delay.
    private void Purge(WorkerKey worker)
    {
        _hostSeries.RemoveAll(worker);
        _jobSeries.RemoveWhere(s => s.System == worker.System && s.Hostname == worker.Hostname);
        // Hosts come and go (a pod name per deploy): free the hostname's place under the cap once nothing uses it.
        if (!Workers.HasHost(worker.Hostname) && !_jobSeries.Any(s => s.Hostname == worker.Hostname))
        {
            _labels.Release(L.Hostname, worker.Hostname);
        }
    }
}
