using Hangfire;
using JobExporter.Contracts;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;
using Microsoft.Extensions.Time.Testing;

namespace JobExporter.Hangfire.Tests.Unit;

/// <summary>
/// What the filters and the worker process publish, through the publish seam: a real in-memory Hangfire server,
/// and the events recorded by a <see cref="RecordingPublisher"/> instead of a broker.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class FilterEventTests
{
    // Never contacted: the events go to the recording publisher.
    private static JobExporterHangfireOptions Options() => new() { BrokerUrl = new Uri("amqp://guest:guest@127.0.0.1:1/"), Hostname = "unit-1" };

    [Test]
    public async Task Every_job_outcome_of_the_workload_is_published_once_with_its_name_queue_and_host()
    {
        var publisher = new RecordingPublisher();
        await using var world = new HangfireWorld(Options(), publisher: publisher);
        Workload.Enqueue(world.Client);
        world.StartServer(workers: 2, "critical", "default");

        await Waiting.UntilAsync(() => publisher.Events.Count(e => e.Type.IsJobEvent()) >= Workload.ExpectedJobEvents
            && publisher.Count(EventType.JobFailed, "TestJobs.AlwaysFails") == 1, "every job event of the workload", detail: publisher.Describe);

        var actual = publisher.Events.Where(e => e.Type.IsJobEvent())
            .GroupBy(e => (e.Type.ToWireName(), e.Name!, e.Queue!))
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.That(actual, Is.EquivalentTo(Workload.Expected.ToDictionary(e => (e.Type, e.Name, e.Queue), e => e.Count)), publisher.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(publisher.Events.Select(e => (e.System, e.Hostname)).Distinct(), Is.EqualTo(new[] { ("hangfire", "unit-1") }));
            Assert.That(publisher.Of(EventType.JobFailed, "TestJobs.FailsAndIsDeleted").Single().Exception, Is.EqualTo("ArgumentException"));
            Assert.That(publisher.Of(EventType.JobStarted).Select(e => e.Wait), Has.All.Not.Null.And.All.GreaterThanOrEqualTo(0));
            Assert.That(world.Emitter!.HookFailures, Is.Zero);
        });
    }

    [Test]
    public async Task A_publisher_that_throws_never_fails_the_job_and_is_counted()
    {
        var publisher = new RecordingPublisher { Throw = new InvalidOperationException("publisher broke") };
        await using var world = new HangfireWorld(Options(), publisher: publisher);
        var id = world.Client.Enqueue(() => TestJobs.Succeed());
        world.StartServer(workers: 1);

        await Waiting.UntilAsync(() =>
        {
            using var connection = world.Storage.GetConnection();
            return connection.GetStateData(id)?.Name == "Succeeded";
        }, "the job to succeed although every publish throws");
        Assert.That(world.Emitter!.HookFailures, Is.GreaterThanOrEqualTo(4), "job-sent, job-received, job-started, job-succeeded each failed");
    }

    [Test]
    public async Task The_heartbeat_carries_the_running_jobs_and_the_publishers_health_on_the_fake_clock()
    {
        var publisher = new RecordingPublisher { Dropped = 7, PublishFailures = 3 };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = Options();
        options.HeartbeatInterval = TimeSpan.FromSeconds(10);
        await using var world = new HangfireWorld(options, publisher: publisher, time: time);
        world.StartServer(workers: 1);
        await Waiting.UntilAsync(() => publisher.Count(EventType.WorkerOnline) == 1, "worker-online");

        world.Client.Enqueue(() => TestJobs.Block());
        await Waiting.UntilAsync(() => world.Emitter!.ActiveJobs == 1, "the job to run");
        time.Advance(TimeSpan.FromSeconds(9.999));
        Assert.That(publisher.Count(EventType.WorkerHeartbeat), Is.Zero, "no heartbeat before the interval");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Waiting.UntilAsync(() => publisher.Count(EventType.WorkerHeartbeat) == 1, "a heartbeat at the interval");
        TestJobs.Gate.Release();

        var beat = publisher.Of(EventType.WorkerHeartbeat).Single();
        Assert.Multiple(() =>
        {
            Assert.That(beat.Active, Is.EqualTo(1));
            Assert.That(beat.Dropped, Is.EqualTo(7));
            Assert.That(beat.PublishFailures, Is.EqualTo(3));
            Assert.That(beat.Interval, Is.EqualTo(10));
        });

        world.StopServer();
        Assert.That(publisher.Count(EventType.WorkerOffline), Is.EqualTo(1));
    }

    [Test]
    public async Task A_job_whose_exception_a_filter_handles_is_reported_as_succeeded_once()
    {
        var publisher = new RecordingPublisher();
        await using var world = new HangfireWorld(Options(), publisher: publisher);
        var id = world.Client.Enqueue(() => TestJobs.ThrowsButIsHandled());
        world.StartServer(workers: 1);

        await Waiting.UntilAsync(() => publisher.Count(EventType.JobSucceeded) == 1, "job-succeeded", detail: publisher.Describe);
        // The event goes out as the state is applied, a moment before Hangfire commits it to storage.
        await Waiting.UntilAsync(() =>
        {
            using var connection = world.Storage.GetConnection();
            return connection.GetStateData(id)?.Name == "Succeeded";
        }, "Hangfire to store the job as Succeeded");
        Assert.That(publisher.Events.Where(e => e.JobId == id).Select(e => e.Type),
            Is.EqualTo(new[] { EventType.JobSent, EventType.JobReceived, EventType.JobStarted, EventType.JobSucceeded }), publisher.Describe());
    }

    [Test]
    public async Task A_job_deleted_while_it_runs_is_revoked_once_and_never_reported_as_finished()
    {
        var publisher = new RecordingPublisher();
        await using var world = new HangfireWorld(Options(), publisher: publisher);
        var id = world.Client.Enqueue(() => TestJobs.Block());
        world.StartServer(workers: 1);
        await Waiting.UntilAsync(() => publisher.Count(EventType.JobStarted) == 1, "the job to start", detail: publisher.Describe);

        Assert.That(world.Client.Delete(id), Is.True);
        TestJobs.Gate.Release();
        // The job ends after its deletion; a job enqueued after it shows when the worker has moved on.
        var next = world.Client.Enqueue(() => TestJobs.Succeed());
        await Waiting.UntilAsync(() => publisher.Of(EventType.JobSucceeded).Any(e => e.JobId == next), "the next job", detail: publisher.Describe);

        Assert.That(publisher.Events.Where(e => e.JobId == id).Select(e => e.Type),
            Is.EqualTo(new[] { EventType.JobSent, EventType.JobReceived, EventType.JobStarted, EventType.JobRevoked }), publisher.Describe());
        Assert.That(publisher.Of(EventType.JobRevoked).Single().Name, Is.EqualTo("TestJobs.Block"));
    }

    [Test]
    public async Task A_filter_that_throws_before_the_job_runs_makes_it_retried_then_failed_never_started()
    {
        var publisher = new RecordingPublisher();
        await using var world = new HangfireWorld(Options(), publisher: publisher);
        var id = world.Client.Enqueue(() => TestJobs.FilterThrowsFirst());
        world.StartServer(workers: 1);

        await Waiting.UntilAsync(() => publisher.Count(EventType.JobFailed) == 1, "job-failed", detail: publisher.Describe);
        var events = publisher.Events.Where(e => e.JobId == id).ToList();
        Assert.That(events.Select(e => e.Type), Is.EqualTo(new[]
        {
            EventType.JobSent, EventType.JobReceived, EventType.JobRetried, EventType.JobReceived, EventType.JobFailed,
        }), publisher.Describe());
        Assert.That(events.Where(e => e.Type is EventType.JobRetried or EventType.JobFailed).Select(e => (e.Exception, e.Runtime)),
            Has.All.EqualTo(("TimeoutException", (double?)0)));
    }

    [Test]
    public async Task A_job_that_deletes_itself_is_revoked_once_and_leaves_no_job_counted_as_running()
    {
        var publisher = new RecordingPublisher();
        await using var world = new HangfireWorld(Options(), publisher: publisher);
        TestJobs.Client = world.Client;
        var id = world.Client.Enqueue(() => TestJobs.DeletesItself(null));
        world.StartServer(workers: 1);
        var next = world.Client.Enqueue(() => TestJobs.Succeed());

        await Waiting.UntilAsync(() => publisher.Of(EventType.JobSucceeded).Any(e => e.JobId == next), "the next job", detail: publisher.Describe);
        Assert.That(publisher.Events.Where(e => e.JobId == id).Select(e => e.Type),
            Is.EqualTo(new[] { EventType.JobSent, EventType.JobReceived, EventType.JobStarted, EventType.JobRevoked }), publisher.Describe());
        Assert.That(world.Emitter!.ActiveJobs, Is.Zero);
    }
}
