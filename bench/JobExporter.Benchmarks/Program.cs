using System.Diagnostics;
using JobExporter.Benchmarks;
using JobExporter.Testing;

// `make bench` runs this through scripts/bench.sh; see docs/benchmarks.md for what each part measures.
if (args.Length > 0 && args[0] == "bare-consumer") return await BareConsumer.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "bare-redis-subscriber") return await BareRedisSubscriber.RunAsync(args[1..]);

var settings = BenchSettings.Parse(args);
var log = Console.Out;
var total = Stopwatch.StartNew();
var machine = await MachineInfo.ReadAsync();
log.WriteLine($"JobExporter benchmarks ({(settings.Quick ? "quick" : "full")}); load {ProcStats.LoadAverage()}");

var report = new Report(settings, machine);
await using (var node = await RabbitMqNode.StartAsync())
{
    var broker = new Broker(node.AmqpUrl);
    report.RabbitMqVersion = (await node.CtlAsync(TimeSpan.FromSeconds(30), "version")).Output.Trim();
    if (settings.Runs("ingest")) await Section("ingest", async () =>
    {
        // Long enough to time well (drains of 5 s or more at full size): the shapes of issue 27, 100 and 24 events a message.
        var batched = new Workload().Mix(settings.IngestEvents);
        foreach (var (perMessage, count) in settings.BatchedShapes)
        {
            log.WriteLine($"Ingest, batched: {count:N0} events, {perMessage} a message, {settings.Rounds} rounds");
            var events = batched.Take(count).ToList();
            report.IngestBatched.Add(await new IngestBenchmark(broker, log).RunAsync($"batched{perMessage}", Workload.Messages(events, perMessage), events.Count,
                perMessage, settings.Rounds));
        }
        batched = [];
        GC.Collect();
        log.WriteLine($"Ingest, unbatched: {settings.UnbatchedEvents:N0} events, one a message, {settings.Rounds} rounds");
        var unbatched = new Workload(seed: 8).Mix(settings.UnbatchedEvents);
        report.IngestUnbatched = await new IngestBenchmark(broker, log).RunAsync("unbatched", Workload.Messages(unbatched, 1), unbatched.Count, 1, settings.Rounds);
        unbatched = [];
        GC.Collect();
    });
    if (settings.Runs("http-ingest")) await Section("http-ingest", async () =>
    {
        log.WriteLine($"Ingest over HTTP against RabbitMQ: {settings.IngestEvents:N0} events 100 a message, {settings.UnbatchedEvents:N0} one a message, {settings.Rounds} rounds");
        var events = new Workload().Mix(settings.IngestEvents);
        report.HttpIngest.Add(await new HttpIngestBenchmark(broker, log).RunAsync("batched", Workload.Messages(events, 100), events.Count, 100, settings.Rounds));
        events = new Workload(seed: 8).Mix(settings.UnbatchedEvents);
        report.HttpIngest.Add(await new HttpIngestBenchmark(broker, log).RunAsync("unbatched", Workload.Messages(events, 1), events.Count, 1, settings.Rounds));
        events = [];
        GC.Collect();
    });
    if (settings.Runs("http-emitter")) await Section("http-emitter", async () =>
    {
        log.WriteLine($"Hangfire emitter over HTTP to the exporter: {settings.HangfireJobs:N0} jobs, {settings.HttpEmitterRounds} rounds");
        report.HttpEmitter = await new HttpEmitterBenchmark(node.AmqpUrl, log).RunAsync(settings.HangfireJobs, settings.HttpEmitterRounds);
    });
    if (settings.Runs("sidecar")) await Section("sidecar", async () =>
    {
        var events = new Workload(names: 50, hosts: 10, queues: 5, seed: 9).Sidecar(settings.SidecarJobs, heartbeatEvery: 200);
        foreach (var perMessage in settings.SidecarShapes)
        {
            var messages = Workload.Messages(events, perMessage);
            log.WriteLine($"Sidecar workload: {events.Count:N0} events, {perMessage} a message ({messages.Count:N0} messages), {settings.Rounds} rounds");
            report.Sidecar.Add(await new IngestBenchmark(broker, log).RunAsync($"sidecar{perMessage}", messages, events.Count, perMessage, settings.Rounds,
                SidecarPod.Environment()));
            // Outside a pod (make run, a systemd unit, a VM) nothing caps the heap: the same backlog with no limit.
            if (perMessage == 1)
            {
                log.WriteLine($"Sidecar workload without a memory limit: {events.Count:N0} events, one a message, {settings.Rounds} rounds");
                report.Sidecar.Add(await new IngestBenchmark(broker, log).RunAsync(SidecarPod.NoLimitLabel, messages, events.Count, perMessage, settings.Rounds));
            }
        }
        events = [];
        GC.Collect();
        report.SidecarIdle = await IdleMemory.MeasureAsync(broker, SidecarPod.Environment(), log);
        report.IdleNoLimit = await IdleMemory.MeasureAsync(broker, new Dictionary<string, string>(), log, alsoJit: false);
    });
    if (settings.Runs("scrape")) await Section("scrape", async () =>
    {
        log.WriteLine("Scrape and memory per series");
        var scrape = new ScrapeBenchmark(broker, log);
        foreach (var (names, hosts) in settings.ScrapeShapes)
        {
            report.Scrapes.Add(await scrape.RunAsync(names, hosts, settings.ScrapeBacklog, settings.Scrapes));
        }
    });
    if (settings.Runs("cardinality")) await Section("cardinality", async () =>
    {
        log.WriteLine($"Cardinality: {settings.DistinctNames:N0} distinct job names");
        report.Cardinality = await new CardinalityBenchmark(broker, log).RunAsync(settings.DistinctNames);
        report.CardinalityBaseline = await new CardinalityBenchmark(broker, log).RunAsync(settings.DistinctNames, repeatNames: true);
    });
    if (settings.Runs("celery")) await Section("celery", async () =>
    {
        log.WriteLine($"Celery: {CeleryWorkload.Events:N0} events, one a message and task.multi x 24, {settings.Rounds} rounds");
        report.Celery = await new CeleryIngestBenchmark(broker, log).RunAsync(settings.Rounds);
    });
    if (settings.Runs("shards")) await Section("shards", async () =>
    {
        report.Shards = await new ShardsBenchmark(broker, log).RunAsync(settings.ShardWorkers, settings.ShardJobNames);
    });
    if (settings.Runs("emitter")) await Section("emitter", async () =>
    {
        log.WriteLine("Emitters");
        report.Emitters = await new EmitterBenchmarks(node.AmqpUrl, node.NodeName, log).RunAsync(settings.HangfireJobs, settings.HangfirePostgresJobs, settings.MassTransitMessages, settings.EmitterRounds,
            settings.HangfirePostgresRounds);
    });
}
if (settings.Runs("celery-redis")) await Section("celery-redis", async () =>
{
    log.WriteLine($"Celery over Redis: one a message and task.multi x 24, {settings.Rounds} rounds; stalls at {settings.RedisStallRate:N0} events/s");
    report.CeleryRedis = await new CeleryRedisBenchmark(log).RunAsync(settings.Rounds, settings.RedisSingleMessages, settings.RedisListMessages,
        settings.RedisPacedRate, settings.RedisStallRate, settings.RedisStalls);
});
if (settings.Runs("hooks"))
{
    log.WriteLine("Hangfire hooks per job (BenchmarkDotNet)");
    await Section("hooks", () =>
    {
        report.HangfireHooks = ApplyRunner.Run<HangfireHookBenchmarks>(settings.Quick,
            Path.Combine(RepositoryPaths.Root, ".tmp", "bench", "BenchmarkDotNet.Artifacts"), log, "hooks", "contexts only");
        return Task.CompletedTask;
    });
}
if (settings.Runs("apply"))
{
    log.WriteLine("Apply path (BenchmarkDotNet)");
    await Section("apply", () =>
    {
        report.Apply = ApplyRunner.Run(settings.Quick, Path.Combine(RepositoryPaths.Root, ".tmp", "bench", "BenchmarkDotNet.Artifacts"), log);
        return Task.CompletedTask;
    });
}
report.TotalMinutes = total.Elapsed.TotalMinutes;
report.LoadAtEnd = ProcStats.LoadAverage();
var output = Path.GetFullPath(settings.Output, RepositoryPaths.Root);
await File.WriteAllTextAsync(output, report.Render());
log.WriteLine($"Wrote {output} after {total.Elapsed.TotalMinutes:F1} min");
return report.Failures.Count == 0 ? 0 : 1;

// A part that fails is reported in the document and on stderr; the other parts still run.
async Task Section(string name, Func<Task> run)
{
    try
    {
        await run();
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"{name} failed: {ex}");
        report.Failures.Add($"{name}: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
    }
}

internal sealed record BenchSettings(bool Quick, string Output, IReadOnlySet<string>? Only, string Command)
{
    /// <summary>Rounds of each throughput part; BENCH_ROUNDS=7 takes more for a steadier median when comparing two builds.</summary>
    public int Rounds => int.TryParse(Environment.GetEnvironmentVariable("BENCH_ROUNDS"), out var rounds) && rounds > 0 ? rounds : Quick ? 2 : 3;
    /// <summary>The batched ingest shapes: events a message, and events (drains of 5 s or more at full size);
    /// BENCH_BATCHED_SHAPES=24:1600000 runs only the shapes given (events a message:events, comma-separated).</summary>
    public IReadOnlyList<(int PerMessage, int Events)> BatchedShapes => Environment.GetEnvironmentVariable("BENCH_BATCHED_SHAPES") is { Length: > 0 } shapes
        ? [.. shapes.Split(',').Select(s => s.Split(':')).Select(p => (int.Parse(p[0]), int.Parse(p[1])))]
        : Quick ? [(100, 200_000), (24, 100_000)] : [(100, 3_200_000), (24, 1_600_000)];
    public int IngestEvents => BatchedShapes.Max(s => s.Events);
    public int UnbatchedEvents => Quick ? 20_000 : 100_000;
    /// <summary>Jobs of the sidecar workload (four events each); BENCH_SIDECAR_JOBS sets fewer for quick iteration.</summary>
    public int SidecarJobs => int.TryParse(Environment.GetEnvironmentVariable("BENCH_SIDECAR_JOBS"), out var jobs) ? jobs : Quick ? 10_000 : 50_000;
    /// <summary>Events a message in the sidecar workload: 1 and 24; BENCH_SIDECAR_SHAPES=1 runs one shape only.</summary>
    public int[] SidecarShapes => Environment.GetEnvironmentVariable("BENCH_SIDECAR_SHAPES") is { Length: > 0 } shapes
        ? [.. shapes.Split(',').Select(int.Parse)]
        : [1, 24];
    /// <summary>Events drained while scraping: 6,000,000 gives a page of 700,000 series 11 to 17 scrapes on a quiet 2-core machine
    /// (2,000,000 gave 4), enough for a p99; BENCH_SCRAPE_BACKLOG sets another.</summary>
    public int ScrapeBacklog => int.TryParse(Environment.GetEnvironmentVariable("BENCH_SCRAPE_BACKLOG"), out var events) ? events : Quick ? 200_000 : 6_000_000;
    public int Scrapes => Quick ? 8 : 25;
    /// <summary>Job names x hosts of the scrape part; BENCH_SCRAPE_SHAPES=1000x80 (about 700,000 series) runs other shapes.</summary>
    public (int Names, int Hosts)[] ScrapeShapes => Environment.GetEnvironmentVariable("BENCH_SCRAPE_SHAPES") is { Length: > 0 } shapes
        ? [.. shapes.Split(',').Select(s => s.Split('x')).Select(p => (int.Parse(p[0]), int.Parse(p[1])))]
        : Quick ? [(100, 5), (1000, 6)] : [(100, 5), (1000, 6), (1000, 80)];
    public int DistinctNames => Quick ? 100_000 : 1_000_000;
    /// <summary>Workers and job names of the sharded-sidecars simulation: 1,000 x 100 (250 x 40 quick).</summary>
    public int ShardWorkers => Quick ? 250 : 1000;
    public int ShardJobNames => Quick ? 40 : 100;
    // Enough for a round to last a second or more: steady state, not start-up.
    // A multiple of 4 (the in-memory Hangfire variants), so that each runs first, second, third and last equally often
    // (the order rotates); MassTransit's three variants follow the same rotation.
    public int EmitterRounds => Quick ? 4 : 12;
    public int HangfireJobs => Quick ? 20_000 : 60_000;
    // On PostgreSQL a job is a few transactions: fewer jobs, and 3 rounds of its 3 variants.
    public int HangfirePostgresJobs => Quick ? 500 : 2_000;
    public int HangfirePostgresRounds => 3;
    public int MassTransitMessages => Quick ? 20_000 : 60_000;
    /// <summary>Rounds of the Hangfire-over-HTTP part: a multiple of its 3 variants, so that each runs in every place equally often.</summary>
    public int HttpEmitterRounds => Quick ? 3 : 6;

    /// <summary>Messages of the Celery-over-Redis streams: the whole workload, or its first 40,000 (12,000 task.multi) quick.</summary>
    public int RedisSingleMessages => Quick ? 40_000 : int.MaxValue;
    public int RedisListMessages => Quick ? 12_000 : int.MaxValue;
    /// <summary>The rate of the paced Redis row: one the bare subscriber keeps up with on a busy 2-core machine.</summary>
    public double RedisPacedRate => 20_000;
    /// <summary>The stalls tried (seconds) at the issue's rate, until one loses events: a second apart up to 5, where Redis's default limit is.</summary>
    public double RedisStallRate => 20_000;
    public IReadOnlyList<double> RedisStalls => [1, 2, 3, 4, 5, 10, 20];

    public bool Runs(string part) => Only is null || Only.Contains(part);

    public static BenchSettings Parse(string[] args)
    {
        var quick = false;
        var output = "docs/benchmarks.md";
        HashSet<string>? only = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--out": output = args[++i]; break;
                case "--only": only = [.. args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]; break;
                default: throw new ArgumentException($"unknown argument {args[i]}; use --quick, --out PATH, --only ingest,http-ingest,sidecar,scrape,cardinality,celery,celery-redis,shards,emitter,http-emitter,hooks,apply");
            }
        }
        return new BenchSettings(quick, output, only, Environment.GetEnvironmentVariable("BENCH_COMMAND") ?? "JobExporter.Benchmarks " + string.Join(' ', args));
    }
}
