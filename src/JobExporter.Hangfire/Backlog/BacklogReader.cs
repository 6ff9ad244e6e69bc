using Hangfire;
using Hangfire.Storage;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.Backlog;

/// <summary>
/// Reads a <see cref="BacklogSnapshot"/> from any <see cref="JobStorage"/> through Hangfire's monitoring API, with
/// count calls only: <c>Servers()</c> (the live servers and the queues they listen on), <c>GetStatistics()</c> (jobs by
/// state), <c>DeletedListCount()</c>, and <c>EnqueuedCount</c>/<c>FetchedCount</c> per queue; where the statistics
/// leave them out, <c>AwaitingCount()</c> and the size of the <c>retries</c> set. It never calls
/// <c>Queues()</c> or a job list, which load jobs. The oldest job's age is left out: the monitoring API tells it only
/// by loading that job. Synchronous, as the monitoring API is; the reporter runs it on its own thread.
/// </summary>
internal sealed class BacklogReader(BacklogQueueNames queues)
{
    public BacklogSnapshot Read(JobStorage storage)
    {
        var api = storage.GetMonitoringApi();
        var servers = api.Servers();
        foreach (var server in servers)
        {
            foreach (var queue in server.Queues ?? []) queues.Learn(queue);
        }
        var statistics = api.GetStatistics();
        var jobs = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            [HangfireJobStates.Enqueued] = statistics.Enqueued,
            [HangfireJobStates.Scheduled] = statistics.Scheduled,
            [HangfireJobStates.Processing] = statistics.Processing,
            [HangfireJobStates.Failed] = statistics.Failed,
            [HangfireJobStates.Deleted] = api.DeletedListCount(),
        };
        if ((statistics.Awaiting ?? Awaiting(api)) is { } awaiting) jobs[HangfireJobStates.Awaiting] = awaiting;
        if ((statistics.Retries ?? Retries(storage)) is { } retries) jobs[HangfireJobStates.Retrying] = retries;
        return new BacklogSnapshot
        {
            Queues = queues.Snapshot().Select(queue => new BacklogQueue(queue, api.EnqueuedCount(queue), Fetched(api, queue))).ToArray(),
            Jobs = jobs,
            Servers = servers.Count,
        };
    }

    // Storages that leave Awaiting out of their statistics may still count it (Hangfire 1.8's JobStorageMonitor).
    private static long? Awaiting(IMonitoringApi api) => api is JobStorageMonitor monitor ? Optional(monitor.AwaitingCount) : null;

    // Retries is the size of the retries set, which Hangfire's dashboard reads the same way when statistics leave it out.
    private static long? Retries(JobStorage storage)
    {
        using var connection = storage.GetReadOnlyConnection();
        return connection is JobStorageConnection counted ? Optional(() => counted.GetSetCount("retries")) : null;
    }

    private static long? Optional(Func<long> count)
    {
        try
        {
            return count();
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    // Storages whose queues hide fetched jobs (SQL Server's sliding invisibility) may not count them.
    private static long? Fetched(IMonitoringApi api, string queue) => Optional(() => api.FetchedCount(queue));
}
