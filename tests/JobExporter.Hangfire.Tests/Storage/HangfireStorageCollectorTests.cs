using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.States;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Storage;

/// <summary>The exporter binary's --hangfire.postgres collector against Hangfire.PostgreSql on a real PostgreSQL server.</summary>
[TestFixture]
[NonParallelizable]
public sealed class HangfireStorageCollectorTests
{
    [Test]
    public async Task The_exporter_reports_the_exact_backlog_from_storage_and_zero_once_a_server_drains_it()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await postgres.CreateDatabaseAsync("collector");
        var connectionString = postgres.ConnectionString("collector");
        var storageOptions = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true, QueuePollInterval = TimeSpan.FromMilliseconds(100) };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
        var client = new BackgroundJobClient(storage);
        for (var i = 0; i < 4; i++) client.Enqueue(() => TestJobs.Succeed());
        for (var i = 0; i < 2; i++) client.Create(() => TestJobs.Succeed(), new EnqueuedState("critical"));
        client.Schedule(() => TestJobs.Never(), TimeSpan.FromHours(1));

        // No emitter and no reachable broker: the storage alone tells the backlog.
        var noBroker = new Uri($"amqp://guest:guest@127.0.0.1:{FreePort.Next()}/");
        await using var exporter = await ExporterProcess.StartAsync(noBroker, "--hangfire.postgres", connectionString, "--hangfire.poll-interval", "1s");
        (string, string) Queue(string name) => ("queue", name);
        var before = await exporter.WaitForMetricsAsync(m => m.Value("jobs_queue_length", ("system", "hangfire"), Queue("default")) == 4
            && m.Value("jobs_queue_length", ("system", "hangfire"), Queue("critical")) == 2, TimeSpan.FromSeconds(60), "the backlog from storage");
        Assert.Multiple(() =>
        {
            Assert.That(before.Value("jobs_hangfire_jobs", ("state", "enqueued")), Is.EqualTo(6));
            Assert.That(before.Value("jobs_hangfire_jobs", ("state", "scheduled")), Is.EqualTo(1));
            Assert.That(before.Value("jobs_queue_fetched", Queue("default")), Is.EqualTo(0));
            Assert.That(before.Value("jobs_queue_oldest_age_seconds", Queue("default")), Is.GreaterThanOrEqualTo(0).And.LessThan(60));
            Assert.That(before.Value("jobs_hangfire_servers"), Is.EqualTo(0));
            Assert.That(before.Value("jobs_exporter_collector_success", ("collector", "hangfire")), Is.EqualTo(1));
            Assert.That(before.Value("jobs_exporter_broker_connected"), Is.EqualTo(0), "the collector works without the broker");
        });

        using (new BackgroundJobServer(new BackgroundJobServerOptions { Queues = ["critical", "default"], WorkerCount = 2 }, storage))
        {
            var after = await exporter.WaitForMetricsAsync(m => m.Value("jobs_queue_length", ("system", "hangfire")) == 0
                && m.Value("jobs_hangfire_servers") == 1, TimeSpan.FromSeconds(60), "the backlog drained");
            Assert.That(after.Value("jobs_queue_length", Queue("default")), Is.EqualTo(0));
            Assert.That(after.Value("jobs_queue_length", Queue("critical")), Is.EqualTo(0));
        }
    }
}
