using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;
using JobExporter.Hangfire;
using JobExporter.MassTransit;
using JobExporter.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace JobExporter.Benchmarks;

/// <summary>How the emitter's events go: to a running node, to a closed port, or no emitter at all.</summary>
internal enum EmitterVariant
{
    None,
    BrokerUp,
    BrokerDown,
    /// <summary>Hangfire only: no emitter and one filter instead of Hangfire's defaults, as earlier runs measured the baseline.</summary>
    NoneOneFilter,
}

/// <param name="WorkersCpuMicrosPerJob">CPU of Hangfire's worker threads while the server drained the backlog, per job.</param>
/// <param name="RestCpuMicrosPerJob">CPU of the rest of this process over the same interval (storage dispatcher, publisher,
/// thread pool, garbage collector), per job.</param>
internal sealed record HangfireRun(EmitterVariant Variant, int Round, int Jobs, double JobsPerSecond, long Published, long Dropped,
    double ProcessCpuMicrosPerJob, double BrokerCpuMicrosPerJob, double WorkersCpuMicrosPerJob, double RestCpuMicrosPerJob);

internal sealed record MassTransitRun(EmitterVariant Variant, int Round, int Messages, double ConsumeMedianMicros, double ConsumeP99Micros,
    double SendMedianMicros, double SendP99Micros);

/// <param name="HangfirePostgres">The same Hangfire runs on PostgreSQL storage, as production servers mostly run.</param>
internal sealed record EmitterResult(IReadOnlyList<HangfireRun> Hangfire, IReadOnlyList<HangfireRun> HangfirePostgres, IReadOnlyList<MassTransitRun> MassTransit,
    string Load);

/// <summary>
/// What the emitters cost the jobs, as a user would see it: the same job system with and without the emitter, in
/// interleaved rounds, the ratio taken within each round. Hangfire: the throughput of a 4-worker server draining a
/// backlog of no-op jobs on in-memory storage, with Hangfire's default global filters (as every server has them unless
/// its user removes them) and the emitter's filters installed exactly as a user installs them (no timing wrappers: what
/// one hook call costs is the BenchmarkDotNet part <c>hooks</c>). MassTransit: a backlog
/// consumed one message at a time on the in-memory transport, median and p99 of the gap between two consumed
/// messages, and the send time. Each emitter is started, and has reached the broker (or failed to), before its
/// round is timed: a worker process runs for hours, its connection set-up is not a per-job cost.
/// Broker up: events go to the benchmark's node, to an exchange of their own with one durable queue bound to
/// everything, as an exporter's queue is (so the broker routes and stores them, on the same 2 cores).
/// Broker down: to a closed port (the publisher buffers and drops).
/// </summary>
internal sealed class EmitterBenchmarks(Uri broker, string brokerNode, TextWriter log)
{
    private const string Exchange = "bench.emitter.events";
    // Hangfire names its worker threads "Worker #1", "Worker #2" and so on.
    private const string WorkerThreadName = "Worker #";
    private const string Queue = "bench.emitter.exporter";
    private readonly Uri _closed = new($"amqp://guest:guest@127.0.0.1:{FreePort.Next()}/");
    private int _brokerPid;

    public async Task<EmitterResult> RunAsync(int hangfireJobs, int postgresJobs, int messages, int rounds, int postgresRounds)
    {
        var hangfire = new List<HangfireRun>();
        var hangfirePostgres = new List<HangfireRun>();
        var massTransit = new List<MassTransitRun>();
        await DeclareExporterQueueAsync();
        _brokerPid = BrokerPid();
        try
        {
            // Warm-up: JIT and caches, for every variant alike.
            foreach (var variant in new[] { EmitterVariant.None, EmitterVariant.BrokerUp, EmitterVariant.BrokerDown })
            {
                await HangfireAsync(variant, hangfireJobs, -1, InMemoryAsync);
                await MassTransitAsync(variant, messages / 4, -1);
            }
            EmitterVariant[] variants = [EmitterVariant.None, EmitterVariant.BrokerUp, EmitterVariant.BrokerDown, EmitterVariant.NoneOneFilter];
            for (var round = 0; round < rounds; round++)
            {
                // Rotate the order each round, so that the machine's drift falls on every variant.
                foreach (var variant in variants.Skip(round % variants.Length).Concat(variants.Take(round % variants.Length)))
                {
                    var h = await HangfireAsync(variant, hangfireJobs, round, InMemoryAsync);
                    hangfire.Add(h);
                    log.WriteLine($"  hangfire {variant,-10} round {round + 1}: {h.JobsPerSecond:N0} jobs/s, CPU per job {h.ProcessCpuMicrosPerJob:F1} us here " +
                        $"+ {h.BrokerCpuMicrosPerJob:F1} us broker, published {h.Published}, dropped {h.Dropped}");
                    if (variant == EmitterVariant.NoneOneFilter) continue;
                    var m = await MassTransitAsync(variant, messages, round);
                    massTransit.Add(m);
                    log.WriteLine($"  masstransit {variant,-10} round {round + 1}: consume gap median {m.ConsumeMedianMicros:F1} us, p99 {m.ConsumeP99Micros:F1} us; " +
                        $"send median {m.SendMedianMicros:F1} us, p99 {m.SendP99Micros:F1} us");
                }
            }
            await HangfirePostgresAsync(postgresJobs, postgresRounds, hangfirePostgres);
        }
        finally
        {
            await DeleteExporterQueueAsync();
        }
        return new EmitterResult(hangfire, hangfirePostgres, massTransit, ProcStats.LoadAverage());
    }

    // Hangfire on PostgreSQL storage (a server of its own, a fresh database a round): a job is a few transactions, not
    // a few microseconds, as on most production servers. Fewer jobs and rounds, since each enqueue is a transaction.
    private async Task HangfirePostgresAsync(int jobs, int rounds, List<HangfireRun> runs)
    {
        await using var postgres = await PostgresServer.StartAsync();
        var databases = 0;
        async Task<JobStorage> NewDatabaseAsync()
        {
            var name = $"hangfire{databases++}";
            await postgres.CreateDatabaseAsync(name);
            var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true, QueuePollInterval = TimeSpan.FromMilliseconds(100) };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(postgres.ConnectionString(name), options), options);
        }
        EmitterVariant[] variants = [EmitterVariant.None, EmitterVariant.BrokerUp, EmitterVariant.BrokerDown];
        foreach (var variant in variants)
        {
            await HangfireAsync(variant, jobs / 4, -1, NewDatabaseAsync);
            NpgsqlConnection.ClearAllPools();
        }
        for (var round = 0; round < rounds; round++)
        {
            foreach (var variant in variants.Skip(round % variants.Length).Concat(variants.Take(round % variants.Length)))
            {
                var h = await HangfireAsync(variant, jobs, round, NewDatabaseAsync);
                // Each round's storage leaves its pooled connections behind; close them, or the server runs out.
                NpgsqlConnection.ClearAllPools();
                runs.Add(h);
                log.WriteLine($"  hangfire on postgres {variant,-10} round {round + 1}: {h.JobsPerSecond:N0} jobs/s, CPU per job {h.ProcessCpuMicrosPerJob:F1} us here " +
                    $"+ {h.BrokerCpuMicrosPerJob:F1} us broker, published {h.Published}, dropped {h.Dropped}");
            }
        }
    }

    // The Erlang VM of the benchmark's node (its CPU is the broker's cost of the events).
    private int BrokerPid()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // The node's name is in its environment (RABBITMQ_NODENAME), not on its command line.
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("beam.smp", StringComparison.Ordinal)
                    && File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains($"RABBITMQ_NODENAME={brokerNode}")) return pid;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        throw new InvalidOperationException($"no Erlang VM of node {brokerNode} in /proc");
    }

    // The exporter's queue: durable, bound to every event, bounded like the exporter's (x-max-length).
    private async Task DeclareExporterQueueAsync()
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(Exchange, RabbitMQ.Client.ExchangeType.Topic, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-max-length"] = 1_000_000L });
        await channel.QueueBindAsync(Queue, Exchange, "#");
    }

    private async Task PurgeExporterQueueAsync()
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueuePurgeAsync(Queue);
    }

    private async Task DeleteExporterQueueAsync()
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(Queue, ifUnused: false, ifEmpty: false);
        await channel.ExchangeDeleteAsync(Exchange);
    }

    private JobExporterHangfireOptions HangfireOptions(EmitterVariant variant) => new()
    {
        BrokerUrl = variant == EmitterVariant.BrokerUp ? broker : _closed,
        Exchange = Exchange,
        Hostname = "bench-hangfire",
        FlushTimeout = TimeSpan.FromMilliseconds(variant == EmitterVariant.BrokerUp ? 30_000 : 200),
    };

    // Until the publisher has a channel open (broker up) or has failed to reach the closed port (broker down).
    private static async Task ReadyAsync(Func<bool> connected, Func<long> failures, EmitterVariant variant)
    {
        var clock = Stopwatch.StartNew();
        while (variant == EmitterVariant.BrokerUp ? !connected() : failures() == 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1)) throw new TimeoutException($"the emitter ({variant}) never reached its broker state");
            await Task.Delay(10);
        }
    }

    private static async Task FlushedAsync(JobExporterEmitter emitter, int events)
    {
        var clock = Stopwatch.StartNew();
        while (emitter.Published < events)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1)) throw new TimeoutException($"the emitter published {emitter.Published} of {events} job-sent events");
            await Task.Delay(5);
        }
    }

    private static Task<JobStorage> InMemoryAsync() => Task.FromResult<JobStorage>(new InMemoryStorage());

    private async Task<HangfireRun> HangfireAsync(EmitterVariant variant, int jobs, int round, Func<Task<JobStorage>> newStorage)
    {
        var filters = variant == EmitterVariant.NoneOneFilter ? new JobFilterCollection { new AutomaticRetryAttribute { Attempts = 0 } } : HangfireBenchServer.DefaultFilters();
        var provider = new JobFilterProviderCollection(filters, new JobFilterAttributeFilterProvider());
        JobExporterEmitter? emitter = null;
        if (variant is EmitterVariant.BrokerUp or EmitterVariant.BrokerDown)
        {
            emitter = new JobExporterEmitter(HangfireOptions(variant));
            emitter.InstallFilters(filters);
            await ReadyAsync(() => emitter.IsConnected, () => emitter.PublishFailures, variant);
        }
        var storage = await newStorage();
        using var disposeStorage = storage as IDisposable;
        var client = new BackgroundJobClient(storage, provider);
        // CPU from the first enqueue until every event is out: the client's and the server's hooks, the publishes, the broker.
        var cpu = ProcStats.CpuSeconds(Environment.ProcessId);
        var brokerCpu = ProcStats.CpuSeconds(_brokerPid);
        for (var i = 0; i < jobs; i++) client.Enqueue(() => BenchJobs.Noop());
        // The backlog's job-sent events go out before the server starts, as the enqueueing does: in production the
        // client that enqueues is mostly another process, and the window below is the server's work only.
        if (variant == EmitterVariant.BrokerUp) await FlushedAsync(emitter!, jobs);
        BenchJobs.Reset();
        var serverCpu = ProcStats.CpuSeconds(Environment.ProcessId);
        double workersCpu = 0, restCpu = 0;
        await HangfireBenchServer.RunUntilSucceededAsync(storage, provider, emitter is null ? [] : [emitter.WorkerProcess], jobs, () =>
        {
            // Read while the server, and so its worker threads ("Worker #1".."#4", started with it), still runs.
            workersCpu = ProcStats.ThreadCpuSeconds(WorkerThreadName);
            restCpu = ProcStats.CpuSeconds(Environment.ProcessId) - serverCpu - workersCpu;
        });
        // Throughput from the first job performed to the last: server start-up and polling are left out.
        var seconds = BenchJobs.Span;
        long published = 0, dropped = 0;
        if (emitter is not null)
        {
            await emitter.DisposeAsync();
            published = emitter.Published;
            dropped = emitter.Dropped;
        }
        var cpuPerJob = (ProcStats.CpuSeconds(Environment.ProcessId) - cpu) * 1e6 / jobs;
        var brokerCpuPerJob = (ProcStats.CpuSeconds(_brokerPid) - brokerCpu) * 1e6 / jobs;
        if (variant == EmitterVariant.BrokerUp) await PurgeExporterQueueAsync();
        return new HangfireRun(variant, round, jobs, (jobs - 1) / seconds, published, dropped, cpuPerJob, brokerCpuPerJob,
            workersCpu * 1e6 / jobs, restCpu * 1e6 / jobs);
    }

    private async Task<MassTransitRun> MassTransitAsync(EmitterVariant variant, int messages, int round)
    {
        var batch = $"bench-{Guid.NewGuid().ToString("N")[..8]}";
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CountingConsumer.Gates[batch] = gate;
        var services = new ServiceCollection();
        services.AddMassTransit(x =>
        {
            x.AddConsumer<CountingConsumer>();
            if (variant != EmitterVariant.None)
            {
                x.AddJobExporter(o =>
                {
                    o.BrokerUrl = variant == EmitterVariant.BrokerUp ? broker : _closed;
                    o.Exchange = Exchange;
                    o.Hostname = batch;
                    o.FlushTimeout = TimeSpan.FromMilliseconds(variant == EmitterVariant.BrokerUp ? 30_000 : 200);
                });
            }
            x.UsingInMemory((context, cfg) =>
            {
                if (variant != EmitterVariant.None) cfg.UseJobExporter(context);
                cfg.ReceiveEndpoint(batch, e =>
                {
                    e.ConcurrentMessageLimit = 1;
                    e.PrefetchCount = 1;
                    e.ConfigureConsumer<CountingConsumer>(context);
                });
            });
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            if (variant != EmitterVariant.None)
            {
                var publisher = provider.GetRequiredService<JobEmitter>().Publisher;
                await ReadyAsync(() => publisher.IsConnected, () => publisher.PublishFailures, variant);
            }
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{batch}"));
            var sends = new double[messages];
            for (var i = 0; i < messages; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await endpoint.Send(new CountMe(batch));
                sends[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
            gate.SetResult();
            var clock = Stopwatch.StartNew();
            while (CountingConsumer.Count(batch) < messages)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"masstransit: {CountingConsumer.Count(batch)} of {messages}");
                await Task.Delay(5);
            }
            var times = CountingConsumer.Batches[batch].ToArray();
            var gaps = times.Zip(times.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMicroseconds).ToList();
            return new MassTransitRun(variant, round, times.Length, Stats.Median(gaps), Stats.Percentile(gaps, 0.99),
                Stats.Median(sends), Stats.Percentile(sends, 0.99));
        }
        finally
        {
            await bus.StopAsync();
            CountingConsumer.Gates.TryRemove(batch, out _);
            CountingConsumer.Batches.TryRemove(batch, out _);
        }
    }

    private static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}

/// <summary>The Hangfire job of the benchmark: nothing, so that what is measured is Hangfire and the emitter.</summary>
public static class BenchJobs
{
    private static long _first, _last;

    /// <summary>Seconds from the first job performed to the last, since <see cref="Reset"/>.</summary>
    public static double Span => (Volatile.Read(ref _last) - Volatile.Read(ref _first)) / (double)Stopwatch.Frequency;

    public static void Reset()
    {
        Volatile.Write(ref _first, 0);
        Volatile.Write(ref _last, 0);
    }

    public static void Noop()
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _first, now, 0);
        long last;
        while ((last = Volatile.Read(ref _last)) < now && Interlocked.CompareExchange(ref _last, now, last) != last)
        {
        }
    }
}

public sealed record CountMe(string Batch);

/// <summary>Counts what it consumed per batch, and when; a gate holds a batch until its backlog is built.</summary>
public sealed class CountingConsumer : IConsumer<CountMe>
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<long>> Batches = new();
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    public async Task Consume(ConsumeContext<CountMe> context)
    {
        if (Gates.TryGetValue(context.Message.Batch, out var gate)) await gate.Task;
        Batches.GetOrAdd(context.Message.Batch, _ => new ConcurrentQueue<long>()).Enqueue(Stopwatch.GetTimestamp());
    }

    public static int Count(string batch) => Batches.TryGetValue(batch, out var times) ? times.Count : 0;
}
