using Microsoft.Extensions.Hosting;

namespace JobExporter.Aggregation;

/// <summary>Checks worker timeouts and purges every second, whether or not anyone scrapes.</summary>
internal sealed class LivenessTimer(EventApplier applier, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                applier.Tick();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
