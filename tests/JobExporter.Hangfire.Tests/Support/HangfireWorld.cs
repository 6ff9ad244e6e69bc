using System.Collections.Concurrent;
using Hangfire;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.Server;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.Tests.Support;

/// <summary>
/// A private Hangfire for one test: in-memory storage (or the storage given), its own filter collection (so that nothing goes into
/// Hangfire's static GlobalJobFilters; it holds Hangfire's default retry and continuation filters), a client, and a real BackgroundJobServer with the emitter's worker
/// process, polling for scheduled jobs every 100 ms.
/// </summary>
internal sealed class HangfireWorld : IAsyncDisposable
{
    private readonly bool _ownsStorage;
    private BackgroundJobServer? _server;

    /// <param name="timedCalls">When given, the emitter's filters are installed wrapped in <see cref="TimingFilter"/>s recording here.</param>
    /// <param name="publisher">When given, the emitter's events go there instead of to the broker.</param>
    public HangfireWorld(JobExporterHangfireOptions options, bool withEmitter = true, ConcurrentBag<(string JobId, long Ticks)>? timedCalls = null,
        IEventPublisher? publisher = null, TimeProvider? time = null, JobStorage? storage = null)
    {
        _ownsStorage = storage is null;
        Storage = storage ?? new InMemoryStorage();
        // Hangfire's own default is 10 retries; jobs here retry only as their attribute says.
        Filters.Add(new AutomaticRetryAttribute { Attempts = 0 });
        Filters.Add(new ContinuationsSupportAttribute());
        Provider = new JobFilterProviderCollection(Filters, new JobFilterAttributeFilterProvider());
        if (withEmitter)
        {
            Emitter = new JobExporterEmitter(options, publisher, time: time);
            if (timedCalls is null) Emitter.InstallFilters(Filters);
            else TimingFilter.InstallTimed(Emitter, Filters, timedCalls);
        }
        Client = new BackgroundJobClient(Storage, Provider);
    }

    public JobStorage Storage { get; }
    public JobFilterCollection Filters { get; } = new();
    public JobFilterProviderCollection Provider { get; }
    public JobExporterEmitter? Emitter { get; }
    public BackgroundJobClient Client { get; }

    public void StartServer(int workers = 4, params string[] queues)
    {
        var options = new BackgroundJobServerOptions
        {
            Queues = queues.Length == 0 ? ["default"] : queues,
            WorkerCount = workers,
            SchedulePollingInterval = TimeSpan.FromMilliseconds(100),
            FilterProvider = Provider,
            ServerName = $"test-{Guid.NewGuid():N}",
        };
        IBackgroundProcess[] processes = Emitter is null ? [] : [Emitter.WorkerProcess];
        _server = new BackgroundJobServer(options, Storage, processes);
    }

    /// <summary>Stops the server gracefully, waiting for running jobs, as a host shutdown does.</summary>
    public void StopServer()
    {
        _server?.Dispose();
        _server = null;
    }

    public async ValueTask DisposeAsync()
    {
        StopServer();
        if (Emitter is not null) await Emitter.DisposeAsync();
        if (_ownsStorage) (Storage as IDisposable)?.Dispose();
    }
}
