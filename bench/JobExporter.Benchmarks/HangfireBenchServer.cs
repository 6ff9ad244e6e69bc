using System.Diagnostics;
using Hangfire;
using Hangfire.Common;
using Hangfire.Server;

namespace JobExporter.Benchmarks;

/// <summary>The Hangfire server both emitter benchmarks run their backlog on, so that a ratio between them compares like with like.</summary>
internal static class HangfireBenchServer
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    /// <summary>
    /// What GlobalJobFilters.Filters holds on a new Hangfire server (Hangfire 1.8), in a collection of the round's own so
    /// that the emitter's filters come and go with it. A server with more than one filter sorts its filters for every job
    /// at every stage; one filter alone skips that, which made the emitter's first filter look dearer than it is for users.
    /// </summary>
    public static JobFilterCollection DefaultFilters() => new()
    {
        new CaptureCultureAttribute(),
        new AutomaticRetryAttribute { Attempts = 0 },
        new StatisticsHistoryAttribute(),
        new ContinuationsSupportAttribute(),
    };

    /// <summary>
    /// Starts a four-worker server on the default queue and waits until <paramref name="jobs"/> have succeeded.
    /// <paramref name="beforeStop"/> runs while the server, and so its worker threads, still runs.
    /// </summary>
    public static async Task RunUntilSucceededAsync(
        JobStorage storage, IJobFilterProvider filters, IBackgroundProcess[] processes, int jobs, Action? beforeStop = null)
    {
        var monitoring = storage.GetMonitoringApi();
        var clock = Stopwatch.StartNew();
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            Queues = ["default"],
            WorkerCount = 4,
            FilterProvider = filters,
            ServerName = $"bench-{Guid.NewGuid():N}",
        }, storage, processes);
        while (monitoring.SucceededListCount() < jobs)
        {
            if (clock.Elapsed > Deadline) throw new TimeoutException($"hangfire: {monitoring.SucceededListCount()} of {jobs} jobs");
            await Task.Delay(5);
        }
        beforeStop?.Invoke();
    }
}
