using JobExporter.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobExporter.Emitter;

/// <summary>
/// What every emitter shares, written once: the validated options, who is speaking (system, host), the publisher the
/// events go through (the seam: any <see cref="IEventPublisher"/>), the jobs running now, the one failure policy
/// for hooks, the one heartbeat of the process, and the emitter's <see cref="EmitterMeter"/>. A job-system emitter
/// adds only its hooks.
/// </summary>
internal sealed class EmitterCore : IAsyncDisposable
{
    /// <summary>Failures logged one by one before only every <see cref="LogEvery"/>th one is.</summary>
    public const int LoggedFirst = 3;

    /// <summary>After the first few, one failure in this many is logged, with the total.</summary>
    public const int LogEvery = 1000;

    private static readonly LogSampling HookFailureLog = new(LoggedFirst, LogEvery);
    private readonly ILogger _logger;
    private readonly object _lock = new(); // not System.Threading.Lock: the package also targets net8.0
    private readonly EmitterMeter _meter;
    private WorkerHeartbeat? _heartbeat;
    private int _workers;
    private int _active;
    private long _hookFailures;
    private long _backlogFailures;
    private int _reportsBacklog;
    private int _disposed;

    /// <param name="options">Validated here; an <see cref="ArgumentException"/> names every bad setting.</param>
    /// <param name="system">The <c>system</c> label of every event (<c>hangfire</c>, <c>masstransit</c>).</param>
    /// <param name="meterName">The name of the emitter's <see cref="System.Diagnostics.Metrics.Meter"/>: its package's name.</param>
    /// <param name="loggers">Default none.</param>
    /// <param name="time">Default the system clock (tests pass a fake one).</param>
    /// <param name="publisher">Where events go; default a new <see cref="EventPublisher"/> on <paramref name="options"/>.</param>
    public EmitterCore(EventPublisherOptions options, string system, string meterName, ILoggerFactory? loggers = null,
        TimeProvider? time = null, IEventPublisher? publisher = null)
    {
        options.Validate();
        Options = options;
        Time = time ?? TimeProvider.System;
        loggers ??= NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger(meterName);
        Events = new EventFactory(system, options.EffectiveHostname, Time);
        Publisher = publisher ?? new EventPublisher(options, loggers.CreateLogger<EventPublisher>());
        _meter = new EmitterMeter(meterName, this);
    }

    public EventPublisherOptions Options { get; }
    public TimeProvider Time { get; }
    public EventFactory Events { get; }
    public IEventPublisher Publisher { get; }

    /// <summary>Jobs running now in this process (the heartbeat's <c>active</c>).</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Hook calls that failed inside the emitter (caught, counted and logged; the job went on).</summary>
    public long HookFailures => Interlocked.Read(ref _hookFailures);

    /// <summary>Reads of the job storage's backlog that failed or timed out (see <see cref="BacklogReadFailed"/>).</summary>
    public long BacklogFailures => Interlocked.Read(ref _backlogFailures);

    /// <summary>From now on heartbeats carry <see cref="BacklogFailures"/>: a backlog reporter runs in this process.</summary>
    public void ReportsBacklog() => Volatile.Write(ref _reportsBacklog, 1);

    /// <summary>A read of the storage's backlog failed or timed out: counted, and carried in the next heartbeats.</summary>
    public void BacklogReadFailed() => Interlocked.Increment(ref _backlogFailures);

    public void JobStarted() => Interlocked.Increment(ref _active);

    public void JobEnded() => Interlocked.Decrement(ref _active);

    /// <summary>Hands an event to the publisher; never throws into the job.</summary>
    public void Publish(JobEvent e) => Publish(new PendingEvent(e));

    /// <summary>Hands an event (a job event from <see cref="EventFactory.PendingJob"/>, or any held by reference) to the publisher; never throws into the job.</summary>
    public void Publish(in PendingEvent e)
    {
        try
        {
            Publisher.TryPublish(e);
        }
        catch (Exception ex)
        {
            HookFailed(nameof(Publish), ex);
        }
    }

    /// <summary>
    /// The one failure policy of every hook: count it, log the first few and then one in <see cref="LogEvery"/>
    /// (so a broken hook cannot flood the log), and never throw.
    /// </summary>
    public void HookFailed(string hook, Exception ex)
    {
        try
        {
            var count = Interlocked.Increment(ref _hookFailures);
            if (HookFailureLog.ShouldLog(count))
            {
                _logger.LogWarning(ex, "JobExporter emitter ({System}): {Hook} failed ({Count} so far); the job is not affected",
                    Events.System, hook, count);
            }
        }
        catch
        {
            // A failing logger must not fail the job either.
        }
    }

    /// <summary>
    /// A worker (a Hangfire server, a MassTransit bus) started in this process. The first one starts the process's
    /// one heartbeat (worker-online, then a heartbeat every interval); others share it.
    /// </summary>
    public void WorkerStarted()
    {
        lock (_lock)
        {
            if (_workers++ > 0 || _disposed != 0) return;
            _heartbeat = new WorkerHeartbeat(Publisher, Events, Options.HeartbeatInterval, () => Active, Time,
                () => Volatile.Read(ref _reportsBacklog) == 1 ? BacklogFailures : null);
            _heartbeat.Start();
        }
    }

    /// <summary>A worker stopped; the last one stops the heartbeat and sends worker-offline.</summary>
    public async Task WorkerStoppedAsync()
    {
        WorkerHeartbeat? stopping;
        lock (_lock)
        {
            if (_workers == 0 || --_workers > 0) return;
            stopping = _heartbeat;
            _heartbeat = null;
        }
        if (stopping is not null) await stopping.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Sends worker-offline if a worker still runs, then flushes what is buffered (see <see cref="EventPublisherOptions.FlushTimeout"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        WorkerHeartbeat? heartbeat;
        lock (_lock)
        {
            heartbeat = _heartbeat;
            _heartbeat = null;
            _workers = 0;
        }
        if (heartbeat is not null) await heartbeat.DisposeAsync().ConfigureAwait(false);
        await Publisher.DisposeAsync().ConfigureAwait(false);
        _meter.Dispose();
    }
}
