using Hangfire;
using Hangfire.InMemory;
using JobExporter.Contracts;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Unit;

/// <summary>A storage whose backlog read throws or hangs: the jobs run on, and the failures are counted and sent in heartbeats.</summary>
[TestFixture]
[NonParallelizable]
public sealed class BacklogFaultTests
{
    private const int Jobs = 20;

    private static JobExporterHangfireOptions Options() => new()
    {
        BrokerUrl = new Uri("amqp://guest:guest@127.0.0.1:1/"),
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        Backlog = { Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromMilliseconds(100) },
    };

    [Test]
    public async Task A_hanging_read_times_out_is_counted_and_never_holds_up_a_job()
    {
        using var inner = new InMemoryStorage();
        using var gate = new ManualResetEventSlim(false);
        var storage = new FaultyStorage(inner) { Hang = gate };
        var publisher = new RecordingPublisher();
        await using var world = new HangfireWorld(Options(), publisher: publisher, storage: storage);
        world.StartServer(workers: 2);
        try
        {
            await Waiting.UntilAsync(() => storage.Reads == 1, "the first read to start and hang");
            for (var i = 0; i < Jobs; i++) world.Client.Enqueue(() => TestJobs.Succeed());

            await Waiting.UntilAsync(() => publisher.Count(EventType.JobSucceeded) == Jobs, "every job to succeed while the read hangs",
                detail: publisher.Describe);
            await Waiting.UntilAsync(() => publisher.Of(EventType.WorkerHeartbeat).Any(e => e.BacklogFailures >= 2),
                "a heartbeat carrying the timed-out reads");
            Assert.Multiple(() =>
            {
                Assert.That(storage.Reads, Is.EqualTo(1), "a hung read is never joined by a second one");
                Assert.That(world.Emitter!.BacklogFailures, Is.GreaterThanOrEqualTo(2));
                Assert.That(publisher.Count(EventType.StorageBacklog), Is.Zero);
                Assert.That(world.Emitter.HookFailures, Is.Zero);
            });
        }
        finally
        {
            gate.Set();
        }

        // Released, the storage answers again: the next snapshot goes out.
        await Waiting.UntilAsync(() => publisher.Count(EventType.StorageBacklog) > 0, "a snapshot once the storage answers");
        var snapshot = publisher.Of(EventType.StorageBacklog).Last().Backlog!;
        Assert.That(snapshot.Queues.Select(q => (q.Queue, q.Length)), Is.EqualTo(new[] { ("default", 0L) }));
    }

    [Test]
    public async Task A_throwing_read_is_counted_in_the_heartbeat_and_the_jobs_run_on()
    {
        using var inner = new InMemoryStorage();
        var storage = new FaultyStorage(inner) { Throw = new InvalidOperationException("storage is down") };
        var publisher = new RecordingPublisher();
        await using var world = new HangfireWorld(Options(), publisher: publisher, storage: storage);
        world.StartServer(workers: 2);
        for (var i = 0; i < Jobs; i++) world.Client.Enqueue(() => TestJobs.Succeed());

        await Waiting.UntilAsync(() => publisher.Count(EventType.JobSucceeded) == Jobs, "every job to succeed", detail: publisher.Describe);
        await Waiting.UntilAsync(() => publisher.Of(EventType.WorkerHeartbeat).Any(e => e.BacklogFailures >= 3), "a heartbeat carrying three failed reads");
        // The count goes on growing: this emitter's measurement lies between two reads of it.
        var before = world.Emitter!.BacklogFailures;
        var measured = MeterTests.Collect()["jobexporter.emitter.backlog.failures"];
        var after = world.Emitter.BacklogFailures;
        Assert.Multiple(() =>
        {
            Assert.That(measured, Has.Some.InRange(before, after), "the meter has them too");
            Assert.That(storage.Reads, Is.GreaterThanOrEqualTo(3));
            Assert.That(publisher.Count(EventType.StorageBacklog), Is.Zero);
            Assert.That(world.Emitter!.HookFailures, Is.Zero);
        });
    }

    [Test]
    public async Task Turned_off_no_read_is_made_and_heartbeats_carry_no_backlog_failures()
    {
        using var inner = new InMemoryStorage();
        var storage = new FaultyStorage(inner);
        var publisher = new RecordingPublisher();
        var options = Options();
        options.Backlog.Enabled = false;
        await using var world = new HangfireWorld(options, publisher: publisher, storage: storage);
        world.StartServer(workers: 1);
        await Waiting.UntilAsync(() => publisher.Count(EventType.WorkerHeartbeat) >= 3, "three heartbeats");
        Assert.Multiple(() =>
        {
            Assert.That(storage.Reads, Is.Zero);
            Assert.That(publisher.Of(EventType.WorkerHeartbeat).Select(e => e.BacklogFailures), Has.All.Null);
        });
    }

    [Test]
    public void Bad_backlog_settings_are_refused_with_their_keys()
    {
        var options = Options();
        options.Backlog.Interval = TimeSpan.Zero;
        options.Backlog.Timeout = TimeSpan.FromSeconds(-1);
        Assert.That(() => new JobExporterEmitter(options),
            Throws.ArgumentException.With.Message.Contains("JobExporter:Hangfire:Backlog:Interval must be positive")
                .And.Message.Contains("JobExporter:Hangfire:Backlog:Timeout must be positive"));
    }
}
