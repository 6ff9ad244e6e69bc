using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.States;
using JobExporter.Contracts;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Storage;

/// <summary>
/// The emitter on Hangfire.PostgreSql, whose workers get no job parameters with a job (and whose transactions refuse
/// the parameter the emitter would write at enqueue): each job's queue and wait come from one read of its enqueued
/// state. A real PostgreSQL server; the events are recorded through the publish seam.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PostgreSqlJobFactsTests
{
    private static JobExporterHangfireOptions Options() => new() { BrokerUrl = new Uri("amqp://guest:guest@127.0.0.1:1/"), Hostname = "pg-1" };

    [Test]
    public async Task Each_job_gets_its_queue_and_wait_from_its_enqueued_state()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await postgres.CreateDatabaseAsync("facts");
        var storageOptions = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true, QueuePollInterval = TimeSpan.FromMilliseconds(100) };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(postgres.ConnectionString("facts"), storageOptions), storageOptions);
        var publisher = new RecordingPublisher();
        await using var world = new HangfireWorld(Options(), publisher: publisher, storage: storage);

        // Queued before the server starts and after, on a queue that only the enqueued state names.
        var first = world.Client.Create(() => TestJobs.Succeed(), new EnqueuedState("reports"));
        world.StartServer(workers: 1, "reports");
        var second = world.Client.Create(() => TestJobs.Succeed(), new EnqueuedState("reports"));
        await Waiting.UntilAsync(() => publisher.Of(EventType.JobSucceeded).Count(e => e.JobId == first || e.JobId == second) == 2, "both jobs",
            detail: publisher.Describe);

        Assert.Multiple(() =>
        {
            foreach (var id in new[] { first, second })
            {
                var started = publisher.Of(EventType.JobStarted).Single(e => e.JobId == id);
                Assert.That(started.Queue, Is.EqualTo("reports"), $"job {id}: the queue its enqueued state names");
                Assert.That(started.Wait, Is.Not.Null.And.GreaterThanOrEqualTo(0), $"job {id}: the wait since its enqueue");
            }
            Assert.That(world.Emitter!.HookFailures, Is.Zero);
        });
    }
}
