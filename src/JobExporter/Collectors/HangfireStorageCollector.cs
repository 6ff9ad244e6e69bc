using JobExporter.Configuration;
using JobExporter.Contracts;
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
    private const string System = SystemNames.Hangfire;
    private readonly HangfireStorageReader _reader = new(new HangfireStorageOptions
    {
        ConnectionString = options.HangfirePostgres,
        Schema = options.HangfireSchema,
        CommandTimeout = options.CollectorTimeout,
    }, time);

    protected override string Name => "hangfire";
    protected override TimeSpan Interval => options.HangfirePollInterval;
    protected override TimeSpan Timeout => options.CollectorTimeout;

    protected override async Task PollAsync(PollSnapshot values, CancellationToken cancellationToken)
    {
        var storage = await _reader.ReadAsync(cancellationToken);
        foreach (var queue in storage.Queues)
        {
            values.Set(Metrics.QueueLength, queue.Enqueued, System, queue.Name);
            values.Set(Metrics.QueueFetched, queue.Fetched, System, queue.Name);
            values.Set(Metrics.QueueOldestAge, queue.OldestAgeSeconds, System, queue.Name);
        }
        foreach (var (state, count) in storage.Jobs)
        {
            values.Set(Metrics.HangfireJobs, count, state);
        }
        values.Set(Metrics.HangfireServers, storage.Servers);
    }

    public override void Dispose()
    {
        _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose();
    }
}
