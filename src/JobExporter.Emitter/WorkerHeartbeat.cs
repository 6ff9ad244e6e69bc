namespace JobExporter.Emitter;

/// <summary>
/// Announces a worker: <c>worker-online</c> at start, <c>worker-heartbeat</c> every interval with the jobs
/// running now and the publisher's health (events dropped, publish failures), and <c>worker-offline</c> when stopped. Emitters own one each.
/// </summary>
/// <remarks>
/// The beat is a <see cref="TimeProvider"/> timer (<see cref="TimeProvider.CreateTimer"/>): the same code on every target
/// framework (netstandard2.0 has no <c>PeriodicTimer</c>), and a fake clock in tests.
/// </remarks>
internal sealed class WorkerHeartbeat : IAsyncDisposable
{
    private const int New = 0, Running = 1, Stopped = 2;

    private readonly IEventPublisher _publisher;
    private readonly EventFactory _factory;
    private readonly TimeSpan _interval;
    private readonly Func<int> _activeJobs;
    private readonly TimeProvider _time;
    private readonly Func<long?>? _backlogFailures;
    private ITimer? _timer;
    private int _state;

    /// <remarks>With <c>backlogFailures</c>, each heartbeat carries what it returns as <c>backlog_failures</c> (null: none).</remarks>
    public WorkerHeartbeat(IEventPublisher publisher, EventFactory factory, TimeSpan interval, Func<int> activeJobs, TimeProvider? time = null,
        Func<long?>? backlogFailures = null)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), "The heartbeat interval must be positive.");
        _publisher = publisher;
        _factory = factory;
        _interval = interval;
        _activeJobs = activeJobs;
        _time = time ?? TimeProvider.System;
        _backlogFailures = backlogFailures;
    }

    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, Running, New) != New) return;
        // The timer starts now, before worker-online, so that the first beat is one interval after it.
        _timer = _time.CreateTimer(static self => ((WorkerHeartbeat)self!).Beat(), this, _interval, _interval);
        Send(EventType.WorkerOnline);
    }

    /// <summary>Publishes one heartbeat now (also called by the timer). Never throws.</summary>
    public void Beat() => Send(EventType.WorkerHeartbeat);

    /// <summary>Stops the timer (waiting for a beat in progress) and publishes <c>worker-offline</c>.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Stopped, Running) != Running) return;
        if (_timer is { } timer) await timer.DisposeAsync().ConfigureAwait(false);
        Send(EventType.WorkerOffline);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    // A heartbeat must never fail the worker's start or stop, nor throw from a timer callback: the next beat tries again.
    private void Send(EventType type)
    {
        try
        {
            _publisher.TryPublish(type switch
            {
                EventType.WorkerHeartbeat => Heartbeat(),
                EventType.WorkerOffline => _factory.Worker(type, _interval, active: 0),
                _ => _factory.Worker(type, _interval),
            });
        }
        catch
        {
        }
    }

    private JobEvent Heartbeat()
    {
        var beat = _factory.Worker(EventType.WorkerHeartbeat, _interval, SafeActiveJobs(), _publisher.Dropped, _publisher.PublishFailures);
        return _backlogFailures?.Invoke() is { } failures ? beat with { BacklogFailures = failures } : beat;
    }

    // The count comes from the host framework; a failure there must not stop the heartbeats.
    private int SafeActiveJobs()
    {
        try
        {
            return Math.Max(0, _activeJobs());
        }
        catch
        {
            return 0;
        }
    }
}
