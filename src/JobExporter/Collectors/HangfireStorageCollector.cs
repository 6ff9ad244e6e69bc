using JobExporter.Configuration;
using JobExporter.HangfireStorage;
using JobExporter.Metrics;
using Microsoft.Extensions.Logging;

namespace JobExporter.Collectors;

/// <summary>
/// Backlog straight from Hangfire.PostgreSql storage, for teams whose workers have no emitter yet: per-queue
/// enqueued and fetched counts and the oldest job's age, job counts by state, and live servers.
/// </summary>
internal sealed class HangfireStorageCollector(
    ExporterOptions options,
    ExporterMetrics metrics,
    TimeProvider time,
    ILogger<HangfireStorageCollector> logger) : PollingCollector(metrics, time, logger)
{
    private const string System = "hangfire";
    private readonly HangfireStorageReader _reader = new(new HangfireStorageOptions
    {
        ConnectionString = options.HangfirePostgres,
        Schema = options.HangfireSchema,
        CommandTimeout = options.CollectorTimeout,
    }, time);

    protected override string Name => "hangfire";
    protected override TimeSpan Interval => options.HangfirePollInterval;
    protected override TimeSpan Timeout => options.CollectorTimeout;

    protected override async Task PollAsync(CancellationToken cancellationToken)
    {
        var snapshot = await _reader.ReadAsync(cancellationToken);
        foreach (var queue in snapshot.Queues)
        {
            Metrics.QueueLength.WithLabels(System, queue.Name).Set(queue.Enqueued);
            Metrics.QueueFetched.WithLabels(System, queue.Name).Set(queue.Fetched);
            Metrics.QueueOldestAge.WithLabels(System, queue.Name).Set(queue.OldestAgeSeconds);
        }
        foreach (var (state, count) in snapshot.Jobs)
        {
            Metrics.HangfireJobs.WithLabels(state).Set(count);
        }
        Metrics.HangfireServers.Set(snapshot.Servers);
    }

    public override void Dispose()
    {
        _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose();
    }
}
