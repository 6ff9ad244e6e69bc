using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.States;
using JobExporter.Contracts;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.HangfireStorage;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Storage;

/// <summary>The storage reader against Hangfire.PostgreSql on a real PostgreSQL server.</summary>
[TestFixture]
[NonParallelizable]
public sealed class HangfireStorageReaderTests
{
    private PostgresServer _postgres = null!;

    [OneTimeSetUp]
    public async Task StartPostgres() => _postgres = await PostgresServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopPostgres() => await _postgres.DisposeAsync();

    [Test]
    public async Task Reports_the_exact_backlog_per_queue_and_zero_once_a_server_drained_it()
    {
        await _postgres.CreateDatabaseAsync("backlog");
        var connectionString = _postgres.ConnectionString("backlog");
        var storageOptions = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true, QueuePollInterval = TimeSpan.FromMilliseconds(100) };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
        var client = new BackgroundJobClient(storage);
        for (var i = 0; i < 7; i++) client.Enqueue(() => TestJobs.Succeed());
        for (var i = 0; i < 3; i++) client.Create(() => TestJobs.Succeed(), new EnqueuedState("critical"));
        client.Schedule(() => TestJobs.Never(), TimeSpan.FromHours(1));
        client.Schedule(() => TestJobs.Never(), TimeSpan.FromHours(2));
        client.Delete(client.Schedule(() => TestJobs.Never(), TimeSpan.FromHours(3)));

        await using var reader = new HangfireStorageReader(new HangfireStorageOptions { ConnectionString = connectionString });
        var before = await reader.ReadAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(before.Queues.Select(q => (q.Name, q.Enqueued, q.Fetched)),
                Is.EqualTo(new[] { ("critical", 3L, 0L), ("default", 7L, 0L) }));
            Assert.That(before.Queues.Select(q => q.OldestAgeSeconds), Has.All.GreaterThanOrEqualTo(0).And.All.LessThan(60));
            Assert.That(before.JobsIn(HangfireJobStates.Enqueued), Is.EqualTo(10));
            Assert.That(before.JobsIn(HangfireJobStates.Scheduled), Is.EqualTo(2));
            Assert.That(before.JobsIn(HangfireJobStates.Deleted), Is.EqualTo(1));
            Assert.That(before.JobsIn(HangfireJobStates.Processing), Is.Zero);
            Assert.That(before.JobsIn(HangfireJobStates.Failed), Is.Zero);
            Assert.That(before.JobsIn(HangfireJobStates.Retrying), Is.Zero);
            Assert.That(before.DeletedTotal, Is.EqualTo(1));
            Assert.That(before.Servers, Is.Zero);
        });

        using (new BackgroundJobServer(new BackgroundJobServerOptions { Queues = ["critical", "default"], WorkerCount = 2 }, storage))
        {
            HangfireStorageSnapshot? now = null;
            await Waiting.UntilAsync(() =>
            {
                now = reader.ReadAsync(CancellationToken.None).GetAwaiter().GetResult();
                return now.Queues.All(q => q.Enqueued == 0 && q.Fetched == 0) && now.SucceededTotal == 10;
            }, "the server to drain both queues", TimeSpan.FromSeconds(60), () => $"{now}");

            Assert.Multiple(() =>
            {
                Assert.That(now!.Queues.Select(q => (q.Name, q.Enqueued, q.Fetched, q.OldestAgeSeconds)),
                    Is.EqualTo(new[] { ("critical", 0L, 0L, 0.0), ("default", 0L, 0L, 0.0) }));
                Assert.That(now.Servers, Is.EqualTo(1));
                Assert.That(now.JobsIn(HangfireJobStates.Enqueued), Is.Zero);
            });
        }
    }

    [Test]
    public void Refuses_a_schema_that_is_not_a_plain_identifier()
    {
        var options = new HangfireStorageOptions { ConnectionString = "Host=127.0.0.1", Schema = "hangfire; drop table job" };
        Assert.That(() => new HangfireStorageReader(options),
            Throws.ArgumentException.With.Message.Contains("plain PostgreSQL identifier"));
    }

    [Test]
    public async Task Fails_within_the_command_timeout_when_the_database_does_not_answer()
    {
        var options = new HangfireStorageOptions
        {
            ConnectionString = $"Host=127.0.0.1;Port={FreePort.Next()};Username=postgres",
            CommandTimeout = TimeSpan.FromSeconds(1),
        };
        await using var reader = new HangfireStorageReader(options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(async () => await reader.ReadAsync(CancellationToken.None), Throws.Exception);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }
}
