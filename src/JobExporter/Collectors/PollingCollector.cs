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
/// A poll's values, success and duration are written together once it is over (<see cref="PollSnapshot"/>).
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

    /// <summary>Reads the source and puts what it read into <paramref name="values"/>; throws when the poll failed.</summary>
    protected abstract Task PollAsync(PollSnapshot values, CancellationToken cancellationToken);

    /// <summary>Drops connections after a failure, so that the next poll starts afresh.</summary>
    protected virtual Task ResetAsync() => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            if (!HasWork) continue;
            var watch = Stopwatch.StartNew();
            var values = new PollSnapshot();
            var succeeded = false;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(Timeout);
            try
            {
                await PollAsync(values, timeout.Token);
                succeeded = true;
                _failures.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _failures.Failure($"Polling {Name}", ex);
                await ResetAsync();
            }
            // A failed poll publishes only its failure: the last good values stay.
            var published = succeeded ? values : new PollSnapshot();
            published.Set(Metrics.CollectorSuccess, succeeded ? 1 : 0, Name);
            published.Set(Metrics.CollectorDuration, watch.Elapsed.TotalSeconds, Name);
            try
            {
                await Metrics.Gate.WriteAsync(published.Write, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
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
