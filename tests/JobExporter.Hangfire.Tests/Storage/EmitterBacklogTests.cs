using System.Diagnostics;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Redis.StackExchange;
using Hangfire.States;
using JobExporter.Contracts;
using JobExporter.Hangfire.Backlog;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Storage;

/// <summary>
/// The emitter's backlog reporter on real storages (Hangfire.PostgreSql on PostgreSQL, Hangfire.Redis.StackExchange on
/// Redis), through a real RabbitMQ node, into the real exporter binary started with no storage flag.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class EmitterBacklogTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private RabbitMqNode _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await RabbitMqNode.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    private JobExporterHangfireOptions Options(string hostname, params string[] queues) => new()
    {
        BrokerUrl = _broker.AmqpUrl,
        Hostname = hostname,
        HeartbeatInterval = TimeSpan.FromMilliseconds(500),
        Backlog = { Interval = TimeSpan.FromMilliseconds(500), Queues = [.. queues] },
    };

    private async Task<ExporterProcess> StartExporterAsync()
    {
        var exporter = await ExporterProcess.StartAsync(_broker.AmqpUrl);
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Deadline, "the exporter to consume");
        return exporter;
    }

    private static (string, string)[] Queue(string name) => [("system", "hangfire"), ("queue", name)];

    [Test]
    public async Task PostgreSql_backlog_shows_exactly_with_no_storage_flag_agrees_with_the_sql_reader_and_reads_zero_once_drained()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await postgres.CreateDatabaseAsync("backlog");
        var connectionString = postgres.ConnectionString("backlog");
        var storageOptions = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true, QueuePollInterval = TimeSpan.FromMilliseconds(100) };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
        await using var exporter = await StartExporterAsync();
        var noBroker = new Uri($"amqp://guest:guest@127.0.0.1:{FreePort.Next()}/");
        await using var sqlExporter = await ExporterProcess.StartAsync(noBroker, "--hangfire.postgres", connectionString, "--hangfire.poll-interval", "1s");

        // A server that listens on another queue keeps the reporter running and drains nothing.
        await using var worker = new HangfireWorld(Options("pg-worker"), storage: storage);
        worker.StartServer(workers: 1, "idle");
        for (var i = 0; i < 4; i++) worker.Client.Enqueue(() => TestJobs.Succeed());
        for (var i = 0; i < 2; i++) worker.Client.Create(() => TestJobs.Succeed(), new EnqueuedState("critical"));
        worker.Client.Schedule(() => TestJobs.Never(), TimeSpan.FromHours(1));
        worker.Client.Delete(worker.Client.Schedule(() => TestJobs.Never(), TimeSpan.FromHours(2)));

        // A snapshot read while the jobs were being made is not the backlog yet (a read is several calls, not one
        // transaction): wait for one with every job in its final state.
        var before = await exporter.WaitForMetricsAsync(m => m.Value("jobs_queue_length", Queue("default")) == 4
            && m.Value("jobs_queue_length", Queue("critical")) == 2 && m.Value("jobs_hangfire_jobs", ("state", "deleted")) == 1
            && m.Value("jobs_hangfire_jobs", ("state", "scheduled")) == 1, Deadline, "the backlog from the emitter");
        Assert.Multiple(() =>
        {
            Assert.That(before.Value("jobs_queue_fetched", Queue("default")), Is.EqualTo(0));
            Assert.That(before.Value("jobs_queue_length", Queue("idle")), Is.EqualTo(0));
            Assert.That(before.Value("jobs_hangfire_jobs", ("state", "enqueued")), Is.EqualTo(6));
            Assert.That(before.Value("jobs_hangfire_servers"), Is.EqualTo(1));
            Assert.That(before.Has("jobs_exporter_collector_success", ("collector", "hangfire")), Is.False, "no storage flag");
        });
        await AgreeAsync(exporter, sqlExporter, "with the backlog waiting");
        MeasureReads(storage, "PostgreSQL", "default", "critical", "idle");

        using (new BackgroundJobServer(new BackgroundJobServerOptions { Queues = ["critical", "default"], WorkerCount = 2 }, storage))
        {
            var after = await exporter.WaitForMetricsAsync(m => m.Value("jobs_queue_length", Queue("default")) == 0
                && m.Value("jobs_queue_length", Queue("critical")) == 0 && m.Value("jobs_hangfire_servers") == 2, Deadline, "the backlog drained");
            Assert.That(after.Value("jobs_hangfire_jobs", ("state", "scheduled")), Is.EqualTo(1));
            await AgreeAsync(exporter, sqlExporter, "once drained");
        }
    }

    [Test]
    public async Task Redis_backlog_shows_exactly_with_no_storage_flag_and_reads_zero_once_drained()
    {
        await using var redis = await RedisServer.StartAsync();
        var storage = new RedisStorage(redis.Configuration, new RedisStorageOptions { Prefix = "{backlog}:" });
        await using var exporter = await StartExporterAsync();

        await using var worker = new HangfireWorld(Options("redis-worker"), storage: storage);
        worker.StartServer(workers: 1, "idle");
        for (var i = 0; i < 3; i++) worker.Client.Enqueue(() => TestJobs.Succeed());
        for (var i = 0; i < 5; i++) worker.Client.Create(() => TestJobs.Succeed(), new EnqueuedState("critical"));
        worker.Client.Schedule(() => TestJobs.Never(), TimeSpan.FromHours(1));

        var before = await exporter.WaitForMetricsAsync(m => m.Value("jobs_queue_length", Queue("default")) == 3
            && m.Value("jobs_queue_length", Queue("critical")) == 5 && m.Value("jobs_hangfire_jobs", ("state", "scheduled")) == 1,
            Deadline, "the backlog from the emitter");
        Assert.Multiple(() =>
        {
            Assert.That(before.Value("jobs_queue_fetched", Queue("default")), Is.EqualTo(0));
            Assert.That(before.Value("jobs_hangfire_jobs", ("state", "enqueued")), Is.EqualTo(8));
            Assert.That(before.Value("jobs_hangfire_servers"), Is.EqualTo(1));
        });
        MeasureReads(storage, "Redis", "default", "critical", "idle");

        using (new BackgroundJobServer(new BackgroundJobServerOptions { Queues = ["critical", "default"], WorkerCount = 2 }, storage))
        {
            var after = await exporter.WaitForMetricsAsync(m => m.Value("jobs_queue_length", Queue("default")) == 0
                && m.Value("jobs_queue_length", Queue("critical")) == 0 && m.Value("jobs_queue_fetched", Queue("critical")) == 0
                && m.Value("jobs_hangfire_jobs", ("state", "enqueued")) == 0, Deadline, "the backlog drained");
            Assert.That(after.Value("jobs_hangfire_servers"), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task Three_workers_on_one_storage_give_one_value_per_queue_not_three()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var exporter = await StartExporterAsync();
        await using var tap = await EventTap.StartAsync(_broker.AmqpUrl, JobExporterHangfireOptions.System);
        var hosts = new[] { "worker-a", "worker-b", "worker-c" };
        var workers = new List<HangfireWorld>();
        try
        {
            foreach (var host in hosts)
            {
                // Each worker its own storage object on the one Redis, as separate processes would have.
                var world = new HangfireWorld(Options(host, "shared"), storage: new RedisStorage(redis.Configuration, new RedisStorageOptions { Prefix = "{three}:" }));
                workers.Add(world);
                world.StartServer(workers: 1, "idle");
            }
            var client = new BackgroundJobClient(workers[0].Storage);
            for (var i = 0; i < 6; i++) client.Create(() => TestJobs.Succeed(), new EnqueuedState("shared"));

            await tap.WaitForAsync(t => hosts.All(host => t.Of(EventType.StorageBacklog).Count(e => e.Hostname == host
                && e.Backlog!.Queues.Any(q => q.Queue == "shared" && q.Length == 6)) >= 2), "two snapshots of the backlog from each worker", Deadline);
            var metrics = await exporter.WaitForMetricsAsync(m => m.Value("jobs_hangfire_servers") == 3, Deadline, "all three servers");
            Assert.Multiple(() =>
            {
                Assert.That(metrics.Find("jobs_queue_length", Queue("shared")).Select(s => s.Value), Is.EqualTo(new[] { 6.0 }));
                Assert.That(metrics.Find("jobs_hangfire_jobs", ("state", "enqueued")).Select(s => s.Value), Is.EqualTo(new[] { 6.0 }));
                Assert.That(metrics.Value("jobs_exporter_events_total", ("system", "hangfire"), ("type", "storage-backlog")), Is.GreaterThanOrEqualTo(6));
            });
        }
        finally
        {
            foreach (var world in workers) await world.DisposeAsync();
        }
    }

    // Every backlog series the SQL reader shows, the emitter's path shows with the same value; its only extra series
    // are queues no job used, at 0 (the SQL reader knows a queue only once a job was in it). The one exception:
    // Hangfire.PostgreSql's monitoring API cannot count awaiting jobs, so that path has no awaiting series at all.
    private const string NotToldByPostgreSqlMonitoring = "jobs_hangfire_jobs{state=awaiting}";

    private static async Task AgreeAsync(ExporterProcess fromEmitter, ExporterProcess fromSql, string when)
    {
        string differences = "";
        await fromEmitter.WaitUntilAsync(async () =>
        {
            var emitter = BacklogSeries(await fromEmitter.ScrapeAsync());
            var sql = BacklogSeries(await fromSql.ScrapeAsync());
            Assert.That(emitter.ContainsKey(NotToldByPostgreSqlMonitoring), Is.False, "an awaiting count the monitoring API does not have");
            var missing = sql.Where(s => s.Key != NotToldByPostgreSqlMonitoring && (!emitter.TryGetValue(s.Key, out var v) || v != s.Value)).Select(s => $"{s.Key} sql={s.Value} emitter={emitter.GetValueOrDefault(s.Key, double.NaN)}");
            var extra = emitter.Where(s => !sql.ContainsKey(s.Key) && s.Value != 0).Select(s => $"{s.Key} emitter={s.Value}, not in sql");
            differences = string.Join("\n", missing.Concat(extra));
            return sql.Count > 0 && differences.Length == 0;
        }, Deadline, $"the emitter's path and the SQL reader to agree {when}", () => differences);
    }

    // Keyed without the stream label: the two exporters compared consume different streams of the same storage.
    private static Dictionary<string, double> BacklogSeries(MetricsSnapshot m) => m.All
        .Where(s => s.Name is "jobs_queue_length" or "jobs_queue_fetched" or "jobs_hangfire_jobs" or "jobs_hangfire_servers"
            && (!s.Labels.TryGetValue("system", out var system) || system == "hangfire"))
        .ToDictionary(s => s.Name + "{" + string.Join(",", s.Labels.Where(l => l.Key != "stream").OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}")) + "}", s => s.Value);

    // The timer's cost per read, as the reporter pays it (on its own thread): printed for the closing note.
    private static void MeasureReads(JobStorage storage, string name, params string[] queues)
    {
        var reader = new BacklogReader(new BacklogQueueNames(queues));
        reader.Read(storage);
        var times = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var clock = Stopwatch.StartNew();
            reader.Read(storage);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        TestContext.Out.WriteLine($"{name}: one backlog read of {queues.Length} queues: median {times[25]:F2} ms, p90 {times[45]:F2} ms, max {times[^1]:F2} ms (50 reads, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        Assert.That(times[25], Is.LessThan(new BacklogOptions().Timeout.TotalMilliseconds), "a read well inside the default timeout");
    }
}
