using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobExporter.Demo;

/// <summary>
/// Produces one piece of work every 1/<see cref="DemoOptions.JobsPerSecond"/> seconds until the host stops. A piece that
/// cannot be produced is logged and skipped: the demo keeps going, as the next tick may succeed.
/// </summary>
internal abstract class PacedProducer(DemoOptions options, ILogger log) : BackgroundService
{
    /// <summary>Produces piece number <paramref name="id"/> (1, 2, ...).</summary>
    protected abstract Task ProduceAsync(int id, CancellationToken stoppingToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / options.JobsPerSecond));
        var id = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                id++;
                try
                {
                    await ProduceAsync(id, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning("Could not produce {Id}: {Error}", id, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
