namespace JobExporter.Contracts;

/// <summary>
/// Announces a worker: <c>worker-online</c> at start, <c>worker-heartbeat</c> every interval with the jobs
/// running now and the publisher's health (events dropped, publish failures), and <c>worker-offline</c> when stopped. Emitters own one each.
/// </summary>
public sealed class WorkerHeartbeat : IAsyncDisposable
{
    private readonly IEventPublisher _publisher;
    private readonly EventFactory _factory;
    private readonly TimeSpan _interval;
    private readonly Func<int> _activeJobs;
    private readonly TimeProvider _time;
    private readonly Func<long?>? _backlogFailures;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private PeriodicTimer? _timer;

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
        if (_loop is not null) return;
        // The timer starts now, before worker-online, so that the first beat is one interval after it.
        _timer = new PeriodicTimer(_interval, _time);
        _publisher.TryPublish(_factory.Worker(EventType.WorkerOnline, _interval));
        _loop = Task.Run(() => LoopAsync(_timer));
    }

    /// <summary>Publishes one heartbeat now (also called by the timer).</summary>
    public void Beat()
    {
        var beat = _factory.Worker(EventType.WorkerHeartbeat, _interval, SafeActiveJobs(), _publisher.Dropped, _publisher.PublishFailures);
        if (_backlogFailures?.Invoke() is { } failures) beat = beat with { BacklogFailures = failures };
        _publisher.TryPublish(beat);
    }

    /// <summary>Stops the timer and publishes <c>worker-offline</c>.</summary>
    public async Task StopAsync()
    {
        if (_loop is null || _stop.IsCancellationRequested) return;
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        _publisher.TryPublish(_factory.Worker(EventType.WorkerOffline, _interval, active: 0));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task LoopAsync(PeriodicTimer timer)
    {
        using var owned = timer;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                Beat();
            }
        }
        catch (OperationCanceledException)
        {
        }
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
