using Hangfire.Server;

namespace JobExporter.Hangfire.Server;

/// <summary>
/// A Hangfire server process that keeps this host announced as a worker while the server runs: worker-online when
/// the server starts, a heartbeat every interval with the jobs running here, and worker-offline when it stops. While it
/// runs, the backlog reporter (when on) reads the server's storage.
/// </summary>
internal sealed class WorkerProcess(JobExporterEmitter emitter) : IBackgroundProcess
{
    public void Execute(BackgroundProcessContext context)
    {
        if (context.IsStopping) return;
        emitter.Core.WorkerStarted();
        emitter.Backlog?.ServerStarted(context.Storage);
        try
        {
            context.StoppingToken.WaitHandle.WaitOne();
        }
        finally
        {
            try
            {
                emitter.Backlog?.ServerStoppedAsync().GetAwaiter().GetResult();
                emitter.Core.WorkerStoppedAsync().GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                emitter.HookFailed("worker-offline", ex);
            }
        }
    }

    public override string ToString() => "JobExporter worker heartbeat";
}
