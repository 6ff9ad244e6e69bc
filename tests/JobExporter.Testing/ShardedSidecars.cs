using System.Diagnostics;
using JobExporter.Contracts;
using RabbitMQ.Client;

namespace JobExporter.Testing;

/// <summary>
/// Sidecars sharded by binding keys, simulated: <c>workers</c> worker hosts split over a few exporters, each exporter
/// with its own queue bound with <c>*.*.&lt;hostname&gt;</c> for its own workers only (what a sidecar, or a shard of a
/// central deployment, binds). The real <see cref="EventPublisher"/> stands in for the workers: it publishes, host by
/// host, one succeeded job (sent, received, started, succeeded) per worker and job name, with routing keys
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

    /// <summary>One exporter and the worker hosts its queue is bound to.</summary>
    public sealed record Shard(ExporterProcess Exporter, string Queue, IReadOnlyList<string> Hostnames);

    public static string Hostname(int worker) => $"worker-{worker:D4}";

    /// <summary>Worker i belongs to exporter i mod <paramref name="exporters"/>.</summary>
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
            foreach (var host in hostnames) args.AddRange(["--broker.binding-key", RoutingKeys.ForHost(host)]);
            var exporter = await ExporterProcess.StartWithArgsAsync(port, args, env, program);
            await exporter.WaitUntilAsync(async () => (await exporter.GetAsync("readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "/readyz");
            return new Shard(exporter, queue, hostnames);
        }).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully)) await started.Result.Exporter.DisposeAsync();
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
            await using var publisher = new EventPublisher(new EventPublisherOptions
            {
                BrokerUrl = _broker,
                Exchange = _exchange,
                BufferCapacity = 50_000,
                FlushTimeout = TimeSpan.FromMinutes(5),
            });
            for (var w = p; w < Workers; w += publishers)
            {
                var f = new EventFactory("hangfire", Hostname(w));
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
            await publisher.DisposeAsync();
            return (publisher.Published, publisher.Dropped);
        })).ToList();
        var results = await Task.WhenAll(parts);
        return new PublishResult(results.Sum(r => r.Published), results.Sum(r => r.Dropped), watch.Elapsed);
    }

    public sealed record PublishResult(long Confirmed, long Dropped, TimeSpan Elapsed);

    /// <summary>Waits until every shard's queue is drained and the four job counters summed over all pages reach the totals.</summary>
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
                if (Sum(pages, "jobs_succeeded_total") >= Jobs && Sum(pages, "jobs_sent_total") >= Jobs) return pages;
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"After {timeout}: succeeded {Sum(pages, "jobs_succeeded_total")} of {Jobs} over {Shards.Count} exporters.");
            }
            await Task.Delay(250);
        }
    }

    public static double Sum(IEnumerable<MetricsSnapshot> pages, string metric) => pages.Sum(p => p.Value(metric) ?? 0);

    private async Task<long> ReadyMessagesAsync()
    {
        var factory = new ConnectionFactory { Uri = _broker };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        long ready = 0;
        foreach (var shard in Shards) ready += (await channel.QueueDeclarePassiveAsync(shard.Queue)).MessageCount;
        return ready;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var shard in Shards) await shard.Exporter.DisposeAsync();
    }
}
