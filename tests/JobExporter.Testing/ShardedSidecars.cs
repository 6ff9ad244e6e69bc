using System.Diagnostics;
using JobExporter.Contracts;
using RabbitMQ.Client;

namespace JobExporter.Testing;

/// <summary>
/// Sidecars sharded by binding keys, simulated: <c>workers</c> worker hosts split over a few exporters, each exporter
/// with its own queue bound with <c>*.*.&lt;hostname&gt;</c> for its own workers only (what a sidecar, or a shard of a
/// central deployment, binds). The real <see cref="EventPublisher"/> stands in for the workers: it publishes, host by
/// host, a heartbeat and one succeeded job (sent, received, started, succeeded) per worker and job name, with routing keys
/// <c>&lt;system&gt;.&lt;type&gt;.&lt;hostname&gt;</c>. Exchange and queues are this run's own.
/// </summary>
public sealed class ShardedSidecars : IAsyncDisposable
{
    public const int EventsPerJob = 4;
    private readonly Uri _broker;
    private readonly string _exchange;

    private ShardedSidecars(Uri broker, string exchange, int workers, int jobNames, IReadOnlyList<Shard> shards)
    {
        _broker = broker;
        _exchange = exchange;
        Workers = workers;
        JobNames = jobNames;
        Shards = shards;
    }

    public int Workers { get; }
    public int JobNames { get; }
    public IReadOnlyList<Shard> Shards { get; }
    public long Jobs => (long)Workers * JobNames;

    /// <summary>Every event published: a heartbeat per worker, then 4 per job.</summary>
    public long Events => Workers + Jobs * EventsPerJob;

    /// <summary>One exporter and the worker hosts its queue is bound to; it can be stopped and started again on the same queue.</summary>
    public sealed class Shard(int port, IReadOnlyList<string> args, string queue, IReadOnlyList<string> hostnames, string? program,
        IDictionary<string, string>? env)
    {
        private bool _running;

        public ExporterProcess Exporter { get; private set; } = null!;
        public string Queue => queue;
        public IReadOnlyList<string> Hostnames => hostnames;
        public long Jobs(int jobNames) => (long)hostnames.Count * jobNames;

        public async Task StartAsync()
        {
            Exporter = await ExporterProcess.StartWithArgsAsync(port, args, env, program);
            _running = true;
            await Exporter.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        }

        /// <summary>Stops the exporter (SIGTERM); its queue stays.</summary>
        public async Task StopAsync()
        {
            if (!_running) return;
            _running = false;
            await Exporter.DisposeAsync();
        }
    }

    public static string Hostname(int worker) => $"worker-{worker:D4}";

    /// <summary>
    /// Worker i belongs to exporter i mod <paramref name="exporters"/>; one exporter alone is a central one, bound with <c>#</c>.
    /// </summary>
    public static async Task<ShardedSidecars> StartAsync(Uri broker, int workers, int jobNames, int exporters, string? program = null,
        IDictionary<string, string>? env = null)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var exchange = $"jobs.shards.{id}";
        var starting = Enumerable.Range(0, exporters).Select(async k =>
        {
            var hostnames = Enumerable.Range(0, workers).Where(w => w % exporters == k).Select(Hostname).ToList();
            var queue = $"jobexporter.shards.{id}.{k}";
            var port = FreePort.Next();
            List<string> args = ["--broker.url", broker.ToString(), "--broker.exchange", exchange, "--broker.queue", queue,
                "--web.listen-address", $"127.0.0.1:{port}", "--systems", "hangfire"];
            if (exporters == 1) args.AddRange(["--broker.binding-key", "#"]);
            else foreach (var host in hostnames) args.AddRange(["--broker.binding-key", RoutingKeys.ForHost(host)]);
            var shard = new Shard(port, args, queue, hostnames, program, env);
            await shard.StartAsync();
            return shard;
        }).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully)) await started.Result.StopAsync();
            throw;
        }
        return new ShardedSidecars(broker, exchange, workers, jobNames, starting.Select(t => t.Result).ToList());
    }

    public static string JobName(int n) => $"Jobs.Job{n:D3}";

    /// <summary>Publishes every worker's jobs through <paramref name="publishers"/> publishers in parallel; returns when the broker confirmed all.</summary>
    public async Task<PublishResult> PublishAsync(int publishers = 2)
    {
        var watch = Stopwatch.StartNew();
        var parts = Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            var publisher = new EventPublisher(new EventPublisherOptions
            {
                BrokerUrl = _broker,
                Exchange = _exchange,
                BufferCapacity = 50_000,
                FlushTimeout = TimeSpan.FromMinutes(5),
            });
            try
            {
                await PublishWorkersAsync(publisher, p, publishers);
            }
            finally
            {
                // Sends what is buffered before the counts are read.
                await publisher.DisposeAsync();
            }
            return (publisher.Published, publisher.Dropped);
        })).ToList();
        var results = await Task.WhenAll(parts);
        return new PublishResult(results.Sum(r => r.Published), results.Sum(r => r.Dropped), watch.Elapsed);
    }

    // Worker first, then every 'publishers'-th worker after it.
    private async Task PublishWorkersAsync(EventPublisher publisher, int first, int publishers)
    {
        for (var w = first; w < Workers; w += publishers)
        {
            var f = new EventFactory("hangfire", Hostname(w));
            // A long interval: the worker stays up for the whole run, as live workers do.
            publisher.TryPublish(f.Worker(EventType.WorkerHeartbeat, TimeSpan.FromHours(1), active: 0, dropped: 0, publishFailures: 0));
            for (var n = 0; n < JobNames; n++)
            {
                var name = JobName(n);
                publisher.TryPublish(f.Job(EventType.JobSent, name, "default"));
                publisher.TryPublish(f.Job(EventType.JobReceived, name, "default"));
                publisher.TryPublish(f.Job(EventType.JobStarted, name, "default") with { Wait = 0.5 });
                publisher.TryPublish(f.Job(EventType.JobSucceeded, name, "default") with { Runtime = 0.2 });
            }
            // Keep the buffer from overflowing (it drops the oldest): wait while the broker catches up.
            while (publisher.Buffered > 25_000) await Task.Delay(2);
        }
    }

    public sealed record PublishResult(long Confirmed, long Dropped, TimeSpan Elapsed);

    /// <summary>Waits until every shard's queue is drained and the counts summed over all pages reach the published totals.</summary>
    public async Task<IReadOnlyList<MetricsSnapshot>> WaitForTotalsAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<MetricsSnapshot> pages = [];
        while (true)
        {
            // Scraping 100k-series pages costs the exporters CPU: only once their queues hold nothing ready.
            if (await ReadyMessagesAsync() == 0)
            {
                pages = await Task.WhenAll(Shards.Select(s => s.Exporter.ScrapeAsync()));
                if (Complete(pages, Workers, Jobs)) return pages;
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"After {timeout}: succeeded {Sum(pages, "jobs_succeeded_total")} of {Jobs} over {Shards.Count} exporters.");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The page of <paramref name="shard"/> counts every one of its jobs and workers.</summary>
    public bool IsComplete(Shard shard, MetricsSnapshot page) => Complete([page], shard.Hostnames.Count, shard.Jobs(JobNames));

    /// <summary>The four job counters and the live workers, summed over the pages, reach the expected totals.</summary>
    private static bool Complete(IReadOnlyList<MetricsSnapshot> pages, int workers, long jobs) =>
        Counters.All(c => Sum(pages, c) >= jobs) && Sum(pages, "jobs_workers_alive") >= workers;

    /// <summary>The job counters every published job moves once.</summary>
    public static readonly string[] Counters = ["jobs_sent_total", "jobs_received_total", "jobs_started_total", "jobs_succeeded_total"];

    public static double Sum(IEnumerable<MetricsSnapshot> pages, string metric) => pages.Sum(p => p.Value(metric) ?? 0);

    /// <summary>Stops every exporter; their queues stay and fill with what is published meanwhile.</summary>
    public Task StopAsync() => Task.WhenAll(Shards.Select(s => s.StopAsync()));

    /// <summary>Starts every exporter again on its queue, all at once.</summary>
    public Task StartAgainAsync() => Task.WhenAll(Shards.Select(s => s.StartAsync()));

    /// <summary>
    /// Waits until <paramref name="shard"/>'s queue is drained and its page shows every count complete; returns that page.
    /// Every counter is checked, not one: one batch's messages (one per routing key) may reach the queue in any order, and
    /// a large page is not a snapshot (families rendered later can be newer than those rendered first).
    /// </summary>
    public async Task<MetricsSnapshot> WaitForShardAsync(Shard shard, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        MetricsSnapshot? page = null;
        while (true)
        {
            if (await ReadyMessagesAsync([shard]) == 0)
            {
                page = await shard.Exporter.ScrapeAsync();
                if (IsComplete(shard, page)) return page;
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"After {timeout}: {shard.Queue} counted {page?.Value("jobs_succeeded_total")} of {shard.Jobs(JobNames)} jobs.");
            }
            await Task.Delay(100);
        }
    }

    private Task<long> ReadyMessagesAsync() => ReadyMessagesAsync(Shards);

    /// <summary>Messages ready (not yet delivered) in the queues of <paramref name="shards"/>.</summary>
    public async Task<long> ReadyMessagesAsync(IEnumerable<Shard> shards)
    {
        var factory = new ConnectionFactory { Uri = _broker };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        long ready = 0;
        foreach (var shard in shards) ready += (await channel.QueueDeclarePassiveAsync(shard.Queue)).MessageCount;
        return ready;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
