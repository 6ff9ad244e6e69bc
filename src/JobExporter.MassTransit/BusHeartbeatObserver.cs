using MassTransit;

namespace JobExporter.MassTransit;

/// <summary>
/// Ties the process's one heartbeat (owned by <see cref="JobExporter.Emitter.EmitterCore"/>) to the bus:
/// <c>worker-online</c> when the bus has started, <c>worker-heartbeat</c> every interval with the consumers running
/// now, <c>worker-offline</c> when it has stopped. A bus that starts again starts the heartbeat again.
/// </summary>
internal sealed class BusHeartbeatObserver(JobEmitter emitter) : IBusObserver
{
    private int _running;

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
            if (Interlocked.Exchange(ref _running, 1) == 0) emitter.Core.WorkerStarted();
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
        if (Interlocked.Exchange(ref _running, 0) == 0) return;
        try
        {
            await emitter.Core.WorkerStoppedAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
        }
    }
}
