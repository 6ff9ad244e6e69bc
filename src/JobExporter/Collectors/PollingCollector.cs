using System.Diagnostics;
using JobExporter.Broker;
using JobExporter.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobExporter.Collectors;

/// <summary>
/// A source polled in the background on a fixed interval, each poll bounded by a timeout. The values land in
/// gauges, so a scrape never waits on the source; a failed poll keeps the last values and shows in
/// <c>exporter_collector_success{collector}</c>, with the poll's time in <c>exporter_collector_duration_seconds</c>.
/// </summary>
internal abstract class PollingCollector(ExporterMetrics metrics, TimeProvider time, ILogger logger) : BackgroundService
{
    private readonly RateLimitedLog _failures = new(logger, time, TimeSpan.FromMinutes(1));

    protected ExporterMetrics Metrics { get; } = metrics;

    /// <summary>The value of the <c>collector</c> label.</summary>
    protected abstract string Name { get; }
    protected abstract TimeSpan Interval { get; }
    protected abstract TimeSpan Timeout { get; }

    /// <summary>False when there is nothing to poll this time (no success or failure is recorded).</summary>
    protected virtual bool HasWork => true;

    protected abstract Task PollAsync(CancellationToken cancellationToken);

    /// <summary>Drops connections after a failure, so that the next poll starts afresh.</summary>
    protected virtual Task ResetAsync() => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            if (!HasWork) continue;
            var watch = Stopwatch.StartNew();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(Timeout);
            try
            {
                await PollAsync(timeout.Token);
                Metrics.CollectorSuccess.WithLabels(Name).Set(1);
                _failures.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Metrics.CollectorSuccess.WithLabels(Name).Set(0);
                _failures.Failure($"Polling {Name}", ex);
                await ResetAsync();
            }
            Metrics.CollectorDuration.WithLabels(Name).Set(watch.Elapsed.TotalSeconds);
        }
        while (await WaitForTickAsync(timer, stoppingToken));
        await ResetAsync();
    }

    private static async Task<bool> WaitForTickAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
