using JobExporter.Contracts;
using JobExporter.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobExporter.Aggregation;

/// <summary>
/// Worker liveness, driven by a clock rather than by scrapes: worker-online and heartbeats set a worker
/// up; worker-offline or silence past its timeout set it down; after the purge delay every series
/// carrying its hostname is removed. <c>workers_alive</c> per system is kept, at 0 when none is up.
/// Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class WorkerTracker
{
    private sealed class Worker
    {
        public double LastTs = double.MinValue;
        public DateTimeOffset LastSeen;
        public TimeSpan Timeout;
        public bool Up;
        public DateTimeOffset? DownSince;
    }

    private readonly ExporterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _timeoutOverride;
    private readonly TimeSpan _defaultTimeout;
    private readonly TimeSpan _purgeAfter;
    private readonly Action<WorkerKey> _purge;
    private readonly Dictionary<WorkerKey, Worker> _workers = [];
    private readonly Dictionary<string, int> _aliveBySystem = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public WorkerTracker(ExporterMetrics metrics, TimeProvider time, TimeSpan? timeoutOverride, TimeSpan defaultTimeout,
        TimeSpan purgeAfter, IEnumerable<string> systems, Action<WorkerKey> purge, ILogger<WorkerTracker>? logger = null)
    {
        _logger = logger ?? NullLogger<WorkerTracker>.Instance;
        _metrics = metrics;
        _time = time;
        _timeoutOverride = timeoutOverride;
        _defaultTimeout = defaultTimeout;
        _purgeAfter = purgeAfter;
        _purge = purge;
        foreach (var system in systems) PublishAlive(system);
    }

    public int Count => _workers.Count;

    public bool HasHost(string hostname) => _workers.Keys.Any(k => k.Hostname == hostname);

    public void Apply(JobEvent e, WorkerKey key)
    {
        if (!_workers.TryGetValue(key, out var worker))
        {
            _workers[key] = worker = new Worker();
        }
        // Events can arrive out of order (batches, redeliveries): an older event never overrides a newer one.
        if (e.Ts < worker.LastTs) return;
        worker.LastTs = e.Ts;
        worker.LastSeen = _time.GetUtcNow();
        worker.Timeout = _timeoutOverride ?? (e.Interval is > 0 ? TimeSpan.FromSeconds(3 * e.Interval.Value) : worker.Timeout);
        if (worker.Timeout <= TimeSpan.Zero) worker.Timeout = _defaultTimeout;

        var labels = new[] { key.System, key.Hostname };
        if (e.Type == EventType.WorkerOffline)
        {
            if (worker.Up) _logger.LogInformation("Worker {Hostname} ({System}) is down: it sent worker-offline", key.Hostname, key.System);
            SetDown(key, worker, timedOut: false);
            return;
        }
        _metrics.WorkerHeartbeat.WithLabels(labels).Set(e.Ts);
        if (e.Active is { } active) _metrics.WorkerActive.WithLabels(labels).Set(active);
        else if (e.Type == EventType.WorkerOnline) _metrics.WorkerActive.WithLabels(labels).Set(0);
        if (e.Dropped is { } dropped) _metrics.EmitterDropped.WithLabels(labels).Set(dropped);
        if (e.PublishFailures is { } failures) _metrics.EmitterPublishFailures.WithLabels(labels).Set(failures);
        if (e.BacklogFailures is { } backlogFailures) _metrics.EmitterBacklogFailures.WithLabels(labels).Set(backlogFailures);
        if (!worker.Up)
        {
            worker.Up = true;
            worker.DownSince = null;
            _metrics.WorkerUp.WithLabels(labels).Set(1);
            _metrics.WorkerTimedOut.WithLabels(labels).Set(0);
            ChangeAlive(key.System, +1);
            _logger.LogInformation("Worker {Hostname} ({System}) is up", key.Hostname, key.System);
        }
    }

    /// <summary>Marks silent workers down and purges those down for long enough. Called by a timer.</summary>
    public void Tick()
    {
        var now = _time.GetUtcNow();
        List<WorkerKey>? purged = null;
        foreach (var (key, worker) in _workers)
        {
            if (worker.Up && now - worker.LastSeen > worker.Timeout)
            {
                _logger.LogWarning("Worker {Hostname} ({System}) is down: nothing heard from it for {Timeout}s", key.Hostname, key.System, worker.Timeout.TotalSeconds);
                SetDown(key, worker, timedOut: true);
            }
            else if (!worker.Up && worker.DownSince is { } since && now - since >= _purgeAfter)
            {
                (purged ??= []).Add(key);
            }
        }
        foreach (var key in purged ?? [])
        {
            _workers.Remove(key);
            string[] labels = [key.System, key.Hostname];
            _metrics.WorkerUp.RemoveLabelled(labels);
            _metrics.WorkerTimedOut.RemoveLabelled(labels);
            _metrics.WorkerActive.RemoveLabelled(labels);
            _metrics.WorkerHeartbeat.RemoveLabelled(labels);
            _metrics.EmitterDropped.RemoveLabelled(labels);
            _metrics.EmitterPublishFailures.RemoveLabelled(labels);
            _metrics.EmitterBacklogFailures.RemoveLabelled(labels);
            _purge(key);
        }
    }

    // timedOut tells WorkerDown's rule a silent worker (crash, hang, network) from one that said goodbye.
    private void SetDown(WorkerKey key, Worker worker, bool timedOut)
    {
        string[] labels = [key.System, key.Hostname];
        _metrics.WorkerUp.WithLabels(labels).Set(0);
        _metrics.WorkerTimedOut.WithLabels(labels).Set(timedOut ? 1 : 0);
        _metrics.WorkerActive.WithLabels(labels).Set(0);
        worker.DownSince ??= _time.GetUtcNow();
        if (worker.Up)
        {
            worker.Up = false;
            ChangeAlive(key.System, -1);
        }
    }

    private void ChangeAlive(string system, int delta)
    {
        _aliveBySystem[system] = _aliveBySystem.GetValueOrDefault(system) + delta;
        PublishAlive(system);
    }

    private void PublishAlive(string system) => _metrics.WorkersAlive.WithLabels(system).Set(_aliveBySystem.GetValueOrDefault(system));
}
