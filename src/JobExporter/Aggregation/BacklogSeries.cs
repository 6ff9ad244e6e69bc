using JobExporter.Contracts;
using JobExporter.HangfireStorage;
using JobExporter.Metrics;
using L = JobExporter.Metrics.LabelNames;

namespace JobExporter.Aggregation;

/// <summary>
/// The backlog from <c>storage-backlog</c> events, in the same series as the --hangfire.postgres reader writes
/// (<c>queue_length</c>, <c>queue_fetched</c>, <c>queue_oldest_age_seconds</c>, <c>hangfire_jobs</c>,
/// <c>hangfire_servers</c>). Many workers read one storage, so each queue keeps the latest snapshot that named it,
/// whoever sent it: values are replaced, never added up. Arrival decides which is latest (workers' clocks differ);
/// only a snapshot older than one already kept from the same worker is dropped (a redelivered batch). A queue with no
/// snapshot for three of its sender's intervals is stale: its series are removed, as nobody reads the storage any more
/// (the workers' own series tell why), and come back with the next snapshot. While --hangfire.postgres is set, that
/// reader owns Hangfire's series and Hangfire's snapshots are only counted. Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class BacklogSeries(ExporterMetrics metrics, LabelGuard labels, TimeProvider time, bool sqlReaderOwnsHangfire)
{
    /// <summary>Snapshots missed before a queue's series are removed.</summary>
    public const int StaleAfterIntervals = 3;

    /// <summary>The reporter's default interval, for a snapshot that does not say its own.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(15);

    private const string Hangfire = SystemNames.Hangfire;

    private readonly Dictionary<(string System, string Queue), Kept> _queues = [];
    private Kept? _hangfireStorage;

    private sealed record Kept(string Hostname, double Ts, DateTimeOffset Until);

    public void Apply(JobEvent e, string system)
    {
        if (e.Backlog is not { } backlog || system == Hangfire && sqlReaderOwnsHangfire) return;
        var interval = e.Interval is > 0 ? TimeSpan.FromSeconds(e.Interval.Value) : DefaultInterval;
        var kept = new Kept(e.Hostname, e.Ts, time.GetUtcNow() + StaleAfterIntervals * interval);
        foreach (var queue in backlog.Queues)
        {
            var label = labels.Value(L.Queue, queue.Queue);
            if (_queues.TryGetValue((system, label), out var last) && IsOlder(kept, last)) continue;
            _queues[(system, label)] = kept;
            metrics.QueueLength.WithLabels(system, label).Set(queue.Length);
            if (queue.Fetched is { } fetched) metrics.QueueFetched.WithLabels(system, label).Set(fetched);
            if (queue.OldestAge is { } age) metrics.QueueOldestAge.WithLabels(system, label).Set(age);
        }
        // Jobs by state and servers are Hangfire's families, with no system label.
        if (system != Hangfire || _hangfireStorage is { } storage && IsOlder(kept, storage)) return;
        _hangfireStorage = kept;
        foreach (var (state, count) in backlog.Jobs ?? new Dictionary<string, long>())
        {
            if (HangfireJobStates.All.Contains(state)) metrics.HangfireJobs.WithLabels(state).Set(count);
        }
        if (backlog.Servers is { } servers)
        {
            metrics.HangfireServers.Publish();
            metrics.HangfireServers.Set(servers);
        }
    }

    /// <summary>Removes the series of stale queues. Called by the liveness timer.</summary>
    public void Tick()
    {
        var now = time.GetUtcNow();
        foreach (var (key, kept) in _queues.Where(q => q.Value.Until <= now).ToList())
        {
            _queues.Remove(key);
            string[] series = [key.System, key.Queue];
            metrics.QueueLength.RemoveLabelled(series);
            metrics.QueueFetched.RemoveLabelled(series);
            metrics.QueueOldestAge.RemoveLabelled(series);
        }
        if (_hangfireStorage is { } storage && storage.Until <= now)
        {
            _hangfireStorage = null;
            foreach (var state in HangfireJobStates.All) metrics.HangfireJobs.RemoveLabelled(state);
            metrics.HangfireServers.Unpublish();
        }
    }

    private static bool IsOlder(Kept candidate, Kept kept) => candidate.Hostname == kept.Hostname && candidate.Ts < kept.Ts;
}
