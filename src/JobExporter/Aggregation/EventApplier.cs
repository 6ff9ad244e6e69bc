using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;
using JobExporter.Transport;
using Microsoft.Extensions.Logging;
using L = JobExporter.Metrics.LabelNames;

namespace JobExporter.Aggregation;

/// <summary>
/// Applies parsed events to the metrics: de-duplicates by id, sanitises and caps label values, counts,
/// times, and hands worker events to the <see cref="WorkerTracker"/> and backlog snapshots to
/// <see cref="BacklogSeries"/>. One lock serialises events and the liveness timer; scrapes read
/// prometheus-net's own thread-safe values and never take it. It never throws: an event it fails on (a bug) is counted as
/// <c>internal_error</c> and logged, and the next event is applied as usual.
/// <para>
/// Series per job metric are capped by the <see cref="SeriesBudget"/>, and what would pass it is folded so that ratios
/// stay true: a job on a host is admitted to all its counters at once or to none, and then counts whole under
/// <c>name</c>, <c>queue</c> and <c>hostname</c> <c>__other__</c>; so every named series holds every event of its job
/// on its host, and the folded series every event of the rest. A failure type that would pass the cap counts in its
/// job's series with no exception label (<c>exception=""</c>), and a histogram that would pass it observes into the
/// <c>__other__</c> histogram of its outcome.
/// </para>
/// </summary>
internal sealed class EventApplier : IEventSink
{
    private readonly Lock _gate = new();
    // Events applied under one hold of the lock: enough for the de-duplication window's reads to overlap, few enough
    // that their slots are still in the processor's cache when the events reach them.
    private const int BatchChunk = 64;
    private long _eventsSeen;
    private readonly ExporterMetrics _metrics;
    private readonly LabelGuard _labels;
    private readonly Deduplicator _dedup;
    private readonly QueueRegistry _queues;
    private readonly SeriesBudget _budget;
    private readonly HostSeries _hostSeries;
    private readonly Dictionary<(Prometheus.Collector Family, string Labels), Prometheus.Histogram.Child> _histograms = [];
    private readonly BacklogSeries _backlog;
    // Keyed by hostname when a job series carries it; by NoHostname (never a worker's: the guard makes "" unknown) when none does.
    private readonly Dictionary<(string System, string Name, string Queue, string Hostname), JobSeries> _jobSeries = [];
    private const string NoHostname = "";
    private readonly Dictionary<(string System, string Name, string Queue), CompactCounter.Child> _sentSeries = [];
    private readonly ResolvedJobCache<ResolvedJob> _resolvedJobs = new();
    private readonly ResolvedJobCache<CompactCounter.Child> _resolvedSent = new();
    private readonly Dictionary<string, Prometheus.Counter.Child[]> _eventsBySystem = new(StringComparer.Ordinal);
    // The last system string an event brought that the guard took unchanged, with its guarded value and events counters:
    // a stream names one system in one string (each parsing thread keeps one per value), so its events skip three lookups.
    // Until the first, a string no event carries (an event's system is never null, but the memo must not rely on it).
    private (string Raw, string Guarded, Prometheus.Counter.Child[] Events) _lastSystem = (new string('?', 1), "", []);
    private readonly ILogger _logger;
    private long _failures;

    public EventApplier(ExporterMetrics metrics, LabelGuard labels, Deduplicator dedup, QueueRegistry queues,
        Func<Action<WorkerKey>, WorkerTracker> workers, Func<LabelGuard, BacklogSeries> backlog, ILogger<EventApplier>? logger = null, SeriesBudget? budget = null)
    {
        _budget = budget ?? new SeriesBudget(int.MaxValue);
        _hostSeries = new HostSeries(_budget);
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<EventApplier>.Instance;
        _backlog = backlog(labels);
        _metrics = metrics;
        _labels = labels;
        _dedup = dedup;
        _queues = queues;
        Workers = workers(Purge);
    }

    public WorkerTracker Workers { get; }

    /// <summary>Told of every succeeded job after it is counted (celery-exporter's runtime histogram is fed from here).</summary>
    public event SucceededRuntime? Succeeded;

    /// <summary>Events given to <see cref="OnEvent"/> and <see cref="OnEvents"/> so far, duplicates included (a consumer sizes its ack batches by it).</summary>
    public long EventsSeen => Volatile.Read(ref _eventsSeen);

    /// <summary>The applier as the options configure it: the one place its parts are put together.</summary>
    public static EventApplier Create(ExporterOptions options, ExporterMetrics metrics, QueueRegistry queues, TimeProvider time,
        ILogger<WorkerTracker>? logger = null, ILogger<EventApplier>? applierLogger = null) => new(
        metrics,
        new LabelGuard(options.MaxLabelValues, options.MaxLabelLength, label => metrics.LabelOverflow.WithLabels(label).Inc(),
            label => metrics.LabelRenamed.WithLabels(label).Inc()),
        new Deduplicator(options.DedupWindow),
        queues,
        purge => new WorkerTracker(metrics, time, options.WorkerTimeout, ExporterOptions.DefaultWorkerTimeout,
            options.WorkerPurgeAfter, options.Systems, purge, logger),
        labels => new BacklogSeries(metrics, labels, time, sqlReaderOwnsHangfire: options.HangfirePostgres is not null),
        applierLogger,
        Budget(options, metrics));

    private static SeriesBudget Budget(ExporterOptions options, ExporterMetrics metrics)
    {
        var budget = new SeriesBudget(options.MaxSeries, family => metrics.SeriesOverflow.WithLabels(family).Inc());
        // A histogram child writes a line per bucket, +Inf included, and its _sum and _count.
        budget.SetLinesPerChild(metrics.Runtime.Name, HistogramLines(options.RuntimeBuckets));
        budget.SetLinesPerChild(metrics.Wait.Name, HistogramLines(options.WaitBuckets));
        return budget;
    }

    private static int HistogramLines(double[] buckets) => buckets.Length + (buckets.Length > 0 && double.IsPositiveInfinity(buckets[^1]) ? 0 : 1) + 2;

    public void OnEvent(JobEvent e)
    {
        var hash = _dedup.HashOf(e.Id);
        lock (_gate)
        {
            Apply(e, hash);
        }
    }

    /// <summary>
    /// Applies a message's events as <see cref="OnEvent"/> would one by one, but a chunk of them under one hold of the lock,
    /// with the de-duplication window's slots for the chunk read first (<see cref="Deduplicator.Preload"/>): one event at a
    /// time, the slot of each new id was a cache miss waited for alone, the exporter's largest single cost on batched ingest.
    /// </summary>
    public void OnEvents(ReadOnlySpan<JobEvent> events)
    {
        Span<ulong> hashes = stackalloc ulong[BatchChunk];
        while (!events.IsEmpty)
        {
            var chunk = events[..Math.Min(events.Length, BatchChunk)];
            for (var i = 0; i < chunk.Length; i++) hashes[i] = _dedup.HashOf(chunk[i].Id);
            lock (_gate)
            {
                _dedup.Preload(hashes[..chunk.Length]);
                for (var i = 0; i < chunk.Length; i++) Apply(chunk[i], hashes[i]);
            }
            events = events[chunk.Length..];
        }
    }

    // Under the lock: one event, its id's hash taken by the de-duplication window's HashOf.
    private void Apply(JobEvent e, ulong idHash)
    {
        _eventsSeen++;
        try
        {
            if (_dedup.IsDuplicate(idHash))
            {
                _metrics.EventsDuplicate.Inc();
                return;
            }
            var system = SystemOf(e.System, out var eventsByType);
            if (e.Type == EventType.StorageBacklog)
            {
                _backlog.Apply(e, system);
            }
            else if (e.Type.IsWorkerEvent())
            {
                Workers.Apply(e, new WorkerKey(system, _labels.Value(L.Hostname, e.Hostname)));
            }
            else
            {
                ApplyJob(e, system);
            }
            // Counted once applied: a scrape that starts after one showing N events sees all N in every family.
            (eventsByType[(int)e.Type] ??= _metrics.Events.WithLabels(system, e.Type.ToWireName())).Inc();
        }
        catch (Exception ex)
        {
            // Defence in depth: the parsers bound every value, so only a bug gets here. The callers read whole
            // batches, and the events after this one must not pay for it.
            OnInvalid(InvalidReasons.InternalError);
            LogFailure(e, ex);
        }
    }

    // The first failures with their stack, then one in a thousand: a bug that hits every event must not flood the log.
    private static readonly LogSampling FailureLog = new(first: 10, every: 1000);

    private void LogFailure(JobEvent e, Exception ex)
    {
        var failures = ++_failures;
        if (FailureLog.ShouldLog(failures))
        {
            _logger.LogError(ex, "Applying a {Type} event from {Hostname} ({System}) failed; it is counted as internal_error ({Failures} so far)",
                e.Type.ToWireName(), Cut(e.Hostname), Cut(e.System), failures);
        }
    }

    // Values from the wire are logged cut: the log must not carry an event's unbounded fields.
    private static string? Cut(string? value) => value is { Length: > 64 } ? value[..64] + "…" : value;

    public void OnInvalid(string reason) => _metrics.EventsInvalid.WithLabels(reason).Inc();

    /// <summary>Runs the liveness timer's work under the same lock as events.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            Workers.Tick();
            _backlog.Tick();
        }
    }

    private void ApplyJob(JobEvent e, string system)
    {
        if (e.Type == EventType.JobSent)
        {
            CountSent(e, system);
            return;
        }
        if (!_resolvedJobs.TryGet(e, out var job))
        {
            job = Resolve(e, system);
            if (TakenAsTheyCame(e, system, job)) _resolvedJobs.Add(e, job);
        }
        var (name, queue, hostname, seriesHost, series) = job;
        // A histogram is kept on the series unless it carries a host the series does not (then Histogram caches it).
        var keepHistograms = _metrics.JobHostname || !_metrics.HistogramHostname;
        switch (e.Type)
        {
            case EventType.JobReceived:
                series.Received.Inc();
                break;
            case EventType.JobStarted:
                series.Started.Inc();
                if (e.Wait is { } wait)
                {
                    var waited = series.Wait ?? Histogram(_metrics.Wait, system, hostname, [system, name, queue]);
                    if (keepHistograms) series.Wait = waited;
                    waited.Observe(wait);
                }
                break;
            case EventType.JobSucceeded:
                series.Succeeded.Inc();
                series.RuntimeSucceeded = ObserveRuntime(series.RuntimeSucceeded, "succeeded");
                Succeeded?.Invoke(system, name, queue, seriesHost, e.Runtime ?? 0);
                break;
            case EventType.JobFailed:
                ByException(ref series.Failed, _metrics.Failed, system, name, queue, seriesHost, e.Exception).Inc();
                series.RuntimeFailed = ObserveRuntime(series.RuntimeFailed, "failed");
                break;
            case EventType.JobRetried:
                ByException(ref series.Retried, _metrics.Retried, system, name, queue, seriesHost, e.Exception).Inc();
                break;
            case EventType.JobRejected:
                series.Rejected.Inc();
                break;
            case EventType.JobRevoked:
                series.Revoked.Inc();
                break;
        }

        // Observes the runtime in the outcome's histogram and gives back what the series keeps of it (nothing unless
        // keepHistograms). A local function, so the labels array is built only when the series keeps none.
        Prometheus.Histogram.Child? ObserveRuntime(Prometheus.Histogram.Child? kept, string outcome)
        {
            var runtime = kept ?? Histogram(_metrics.Runtime, system, hostname, [system, name, queue, outcome]);
            runtime.Observe(e.Runtime ?? 0);
            return keepHistograms ? runtime : null;
        }
    }

    private void CountSent(JobEvent e, string system)
    {
        if (!_resolvedSent.TryGet(e, out var sent))
        {
            sent = SentSeriesOf(e, system, out var name, out var queue);
            if (Unchanged(system, e.System) && Unchanged(name, e.Name) && Unchanged(queue, e.Queue)) _resolvedSent.Add(e, sent);
        }
        sent.Inc();
    }

    // The job-sent counter of the event's guarded system, name and queue, made (or folded past the budget) on first use.
    private CompactCounter.Child SentSeriesOf(JobEvent e, string system, out string name, out string queue)
    {
        name = _labels.Value(L.Name, e.Name);
        queue = _labels.Value(L.Queue, e.Queue);
        // Not learnt from job-sent: a MassTransit publish names the message type's exchange, not a queue.
        if (!_sentSeries.TryGetValue((system, name, queue), out var sent))
        {
            if (!_budget.TryTake(_metrics.Sent.Name))
            {
                (name, queue) = (LabelGuard.Other, LabelGuard.Other);
                if (!_sentSeries.TryGetValue((system, name, queue), out sent)) _budget.Take(_metrics.Sent.Name);
            }
            if (sent is null)
            {
                _sentSeries[(system, name, queue)] = sent = _metrics.Sent.WithLabels(system, name, queue);
                sent.Inc(0);
            }
        }
        return sent;
    }

    // The job's guarded labels and its series, created (or folded past the budget) on its first event on a host.
    private ResolvedJob Resolve(JobEvent e, string system)
    {
        var name = _labels.Value(L.Name, e.Name);
        var queue = _labels.Value(L.Queue, e.Queue);
        _queues.Learn(system, queue);
        // Looked up (which takes a place under the label cap until the purge frees it) only when a series carries it.
        var hostname = _metrics.JobHostname || _metrics.HistogramHostname ? _labels.Value(L.Hostname, e.Hostname) : NoHostname;
        // The job counters' own key: with --no-metrics.job-hostname every host of a job shares one series (and one
        // place in the budget), even when the histograms carry the host.
        var seriesHost = _metrics.JobHostname ? hostname : NoHostname;
        if (!_jobSeries.TryGetValue((system, name, queue, seriesHost), out var series))
        {
            if (!_budget.TryTake(_metrics.Received.Name, _metrics.Started.Name, _metrics.Succeeded.Name, _metrics.Rejected.Name, _metrics.Revoked.Name,
                _metrics.Failed.Name, _metrics.Retried.Name))
            {
                (name, queue) = (LabelGuard.Other, LabelGuard.Other);
                if (hostname != NoHostname) hostname = LabelGuard.Other;
                seriesHost = _metrics.JobHostname ? hostname : NoHostname;
                if (!_jobSeries.ContainsKey((system, name, queue, seriesHost)))
                {
                    foreach (var family in CounterFamilies) _budget.Take(family);
                }
            }
            series = SeriesOf(system, name, queue, seriesHost);
        }
        return new ResolvedJob(name, queue, hostname, seriesHost, series);
    }

    // Labels the guard returned unchanged count nothing per event (a fold, a rename, a series past the budget does), so
    // the job's next event may skip the guard and the series lookup; they stay valid until a purge removes series and
    // frees a host's place. A value of __other__ from the wire is renamed, then may be folded back to __other__: never kept.
    private static bool TakenAsTheyCame(JobEvent e, string system, ResolvedJob job) =>
        Unchanged(system, e.System) && Unchanged(job.Name, e.Name) && Unchanged(job.Queue, e.Queue)
        && (job.Hostname == NoHostname || Unchanged(job.Hostname, e.Hostname));

    private static bool Unchanged(string guarded, string? raw) =>
        guarded != LabelGuard.Other && string.Equals(guarded, raw, StringComparison.Ordinal);

    private IEnumerable<string> CounterFamilies =>
        [_metrics.Received.Name, _metrics.Started.Name, _metrics.Succeeded.Name, _metrics.Rejected.Name, _metrics.Revoked.Name, _metrics.Failed.Name,
            _metrics.Retried.Name];

    // The first event of a job on a host creates all its counters at 0 (room for them taken by the caller), so that rates and ratios
    // (failed / (failed + succeeded)) are defined before the first failure.
    private JobSeries SeriesOf(string system, string name, string queue, string hostname)
    {
        if (_jobSeries.TryGetValue((system, name, queue, hostname), out var series)) return series;
        var labels = CounterLabels(system, name, queue, hostname);
        series = new JobSeries
        {
            Received = Tracked(_metrics.Received, labels),
            Started = Tracked(_metrics.Started, labels),
            Succeeded = Tracked(_metrics.Succeeded, labels),
            Rejected = Tracked(_metrics.Rejected, labels),
            Revoked = Tracked(_metrics.Revoked, labels),
        };
        series.Failed = new JobSeries.ByException(Tracked(_metrics.Failed, CounterLabels(system, name, queue, hostname, "")));
        series.Retried = new JobSeries.ByException(Tracked(_metrics.Retried, CounterLabels(system, name, queue, hostname, "")));
        _jobSeries[(system, name, queue, hostname)] = series;
        return series;
    }

    // In the order ExporterMetrics declares them: the hostname only when the job counters carry it.
    private string[] CounterLabels(string system, string name, string queue, string hostname, string? exception = null) =>
        (_metrics.JobHostname, exception) switch
        {
            (true, null) => [system, name, queue, hostname],
            (true, _) => [system, name, queue, hostname, exception],
            (false, null) => [system, name, queue],
            (false, _) => [system, name, queue, exception],
        };

    private CompactCounter.Child ByException(ref JobSeries.ByException children, CompactCounter family,
        string system, string name, string queue, string hostname, string? exception)
    {
        var label = _labels.Value(L.Exception, exception);
        if (children.Find(label) is { } child) return child;
        // Past the cap the failure still counts in its job's series, without its type.
        if (!_budget.TryTake(family.Name)) return children.Find("")!;
        child = Tracked(family, CounterLabels(system, name, queue, hostname, label));
        children.Add(label, child);
        return child;
    }

    // The guarded system and its events counters by type (made on first use).
    private string SystemOf(string raw, out Prometheus.Counter.Child[] eventsByType)
    {
        if (ReferenceEquals(raw, _lastSystem.Raw))
        {
            eventsByType = _lastSystem.Events;
            return _lastSystem.Guarded;
        }
        var system = _labels.Value(L.System, raw);
        if (_eventsBySystem.TryGetValue(system, out var known))
        {
            eventsByType = known;
        }
        else
        {
            _eventsBySystem[system] = eventsByType = new Prometheus.Counter.Child[EventTypeNames.All.Count];
        }
        // A fold or a rename counts on every event, so only a value taken as it came is remembered.
        if (Unchanged(system, raw)) _lastSystem = (raw, system, eventsByType);
        return system;
    }

    // A counter child that exists at 0 from now on and, when it carries the hostname, is removed with its host (by
    // Purge, through its job series). Without the hostname it counts every host's jobs and stays: purging it would
    // take the gone host's jobs back.
    private static CompactCounter.Child Tracked(CompactCounter family, string[] labels)
    {
        var child = family.WithLabels(labels);
        child.Inc(0);
        return child;
    }

    // Histograms carry no hostname unless asked, and then go with their host like the counters.
    // labels: system, name, queue and, for the runtime, the outcome.
    private Prometheus.Histogram.Child Histogram(Prometheus.Histogram family, string system, string hostname, string[] labels)
    {
        string[] full = _metrics.HistogramHostname ? [.. labels, hostname] : labels;
        var key = (family, string.Join('\u0001', full));
        if (_histograms.TryGetValue(key, out var child)) return child;
        if (!_budget.TryTake(family.Name))
        {
            // The __other__ histogram of this system (and outcome) takes the observations, and stays: counted once.
            full = [.. full];
            full[1] = full[2] = LabelGuard.Other;
            if (_metrics.HistogramHostname) full[^1] = LabelGuard.Other;
            var otherKey = (family, string.Join('\u0001', full));
            if (!_histograms.TryGetValue(otherKey, out var other))
            {
                _budget.Take(family.Name);
                _histograms[otherKey] = other = family.WithLabels(full);
            }
            return other;
        }
        child = family.WithLabels(full);
        _histograms[key] = child;
        if (_metrics.HistogramHostname) _hostSeries.Add(new WorkerKey(system, hostname), family, full, () => _histograms.Remove(key));
        return child;
    }

    // Called by the tracker, under the lock, when a worker has been down past the purge delay.
    private void Purge(WorkerKey worker)
    {
        // Sent counters carry no hostname, so a purge leaves them, and the cache of them, as they are.
        _resolvedJobs.Clear();
        _hostSeries.RemoveAll(worker);
        foreach (var key in _jobSeries.Keys.Where(k => k.System == worker.System && k.Hostname == worker.Hostname).ToList())
        {
            _jobSeries.Remove(key, out var series);
            RemoveCounters(series!);
        }
        // Hosts come and go (a pod name per deploy): free the hostname's place under the cap once nothing uses it.
        if (!Workers.HasHost(worker.Hostname) && !_jobSeries.Keys.Any(k => k.Hostname == worker.Hostname))
        {
            _labels.Release(L.Hostname, worker.Hostname);
        }
    }

    // A purged host's job counters leave their families and give their room back to the budget. Kept through the job
    // series rather than a list per host: a list entry per counter cost 36 bytes a series.
    private void RemoveCounters(JobSeries series)
    {
        Remove(_metrics.Received, series.Received);
        Remove(_metrics.Started, series.Started);
        Remove(_metrics.Succeeded, series.Succeeded);
        foreach (var child in series.Failed.All) Remove(_metrics.Failed, child);
        foreach (var child in series.Retried.All) Remove(_metrics.Retried, child);
        Remove(_metrics.Rejected, series.Rejected);
        Remove(_metrics.Revoked, series.Revoked);

        void Remove(CompactCounter family, CompactCounter.Child child)
        {
            family.Remove(child);
            _budget.Release(family.Name);
        }
    }
}
