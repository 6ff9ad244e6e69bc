using JobExporter.Contracts;
using MassTransit;

namespace JobExporter.MassTransit;

/// <summary>
/// Ties a <see cref="WorkerHeartbeat"/> to the bus: <c>worker-online</c> when the bus has started,
/// <c>worker-heartbeat</c> every interval with the consumers running now, <c>worker-offline</c> when it has
/// stopped. A bus that starts again gets a new heartbeat.
/// </summary>
internal sealed class BusHeartbeatObserver(JobEmitter emitter) : IBusObserver
{
    private readonly Lock _gate = new();
    private WorkerHeartbeat? _heartbeat;

    public void PostCreate(IBus bus)
    {
    }

    public void CreateFaulted(Exception exception)
    {
    }

    public Task PreStart(IBus bus) => Task.CompletedTask;

    public Task PostStart(IBus bus, Task<BusReady> busReady)
    {
        try
        {
            lock (_gate)
            {
                if (_heartbeat is not null) return Task.CompletedTask;
                _heartbeat = new WorkerHeartbeat(emitter.Publisher, emitter.Events, emitter.Options.HeartbeatInterval, () => emitter.Active, emitter.Time);
                _heartbeat.Start();
            }
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
        }
        return Task.CompletedTask;
    }

    public Task StartFaulted(IBus bus, Exception exception) => StopHeartbeatAsync();

    public Task PreStop(IBus bus) => Task.CompletedTask;

    public Task PostStop(IBus bus) => StopHeartbeatAsync();

    public Task StopFaulted(IBus bus, Exception exception) => StopHeartbeatAsync();

    private async Task StopHeartbeatAsync()
    {
        WorkerHeartbeat? heartbeat;
        lock (_gate)
        {
            heartbeat = _heartbeat;
            _heartbeat = null;
        }
        if (heartbeat is null) return;
        try
        {
            await heartbeat.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
        }
    }
}
