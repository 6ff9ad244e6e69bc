using Hangfire;
using JobExporter.Contracts;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Server;

/// <summary>A real Hangfire server with the emitter, a real RabbitMQ node, and the events read straight off the exchange.</summary>
[TestFixture]
[NonParallelizable]
public sealed class EmitterEventTests
{
    private RabbitMqNode _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await RabbitMqNode.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    private JobExporterHangfireOptions Options() => new() { BrokerUrl = _broker.AmqpUrl, HeartbeatInterval = TimeSpan.FromMilliseconds(300) };

    [Test]
    public async Task Every_job_outcome_is_published_once_with_its_name_queue_and_host()
    {
        await using var tap = await EventTap.StartAsync(_broker.AmqpUrl, JobExporterHangfireOptions.System);
        await using var world = new HangfireWorld(Options());
        Workload.Enqueue(world.Client);
        world.StartServer(workers: 2, "critical", "default");

        await tap.WaitForAsync(t => t.Events.Count(e => e.Type.IsJobEvent()) >= Workload.ExpectedJobEvents
            && t.Count(EventType.JobFailed, "TestJobs.AlwaysFails") == 1, "every job event of the workload");

        var actual = tap.Events.Where(e => e.Type.IsJobEvent())
            .GroupBy(e => (e.Type.ToWireName(), e.Name!, e.Queue!))
            .ToDictionary(g => g.Key, g => g.Count());
        var expected = Workload.Expected.ToDictionary(e => (e.Type, e.Name, e.Queue), e => e.Count);
        Assert.That(actual, Is.EquivalentTo(expected), tap.Describe());
        Assert.Multiple(() =>
        {
            Assert.That(tap.Events.Select(e => e.Hostname).Distinct(), Is.EqualTo(new[] { Environment.MachineName }));
            Assert.That(tap.Events.Select(e => e.System).Distinct(), Is.EqualTo(new[] { "hangfire" }));
            Assert.That(tap.Of(EventType.JobRetried, "TestJobs.Flaky").Single().Exception, Is.EqualTo("InvalidOperationException"));
            Assert.That(tap.Of(EventType.JobRetried, "TestJobs.AlwaysFails").Single().Exception, Is.EqualTo("TimeoutException"));
            Assert.That(tap.Of(EventType.JobFailed, "TestJobs.AlwaysFails").Single().Exception, Is.EqualTo("TimeoutException"));
            Assert.That(tap.Of(EventType.JobFailed, "TestJobs.FailsAndIsDeleted").Single().Exception, Is.EqualTo("ArgumentException"));
            Assert.That(tap.Of(EventType.JobSucceeded).Concat(tap.Of(EventType.JobFailed)).Select(e => e.Runtime), Has.All.Not.Null.And.All.GreaterThanOrEqualTo(0));
            Assert.That(tap.Of(EventType.JobStarted).Select(e => e.Wait), Has.All.Not.Null.And.All.GreaterThanOrEqualTo(0));
            // The scheduled job waited from the moment the scheduler enqueued it, not from its creation.
            Assert.That(tap.Of(EventType.JobStarted, "TestJobs.Later").Single().Wait, Is.LessThan(5));
            Assert.That(tap.Of(EventType.JobSent).Select(e => e.JobId), Is.Unique);
            Assert.That(tap.Invalid, Is.Empty);
            Assert.That(world.Emitter!.HookFailures, Is.Zero);
        });
    }

    [Test]
    public async Task A_server_announces_itself_beats_with_its_running_jobs_and_says_goodbye_when_it_stops()
    {
        await using var tap = await EventTap.StartAsync(_broker.AmqpUrl, JobExporterHangfireOptions.System);
        await using var world = new HangfireWorld(Options());
        world.StartServer(workers: 2);
        await tap.WaitForAsync(t => t.Count(EventType.WorkerOnline) == 1, "worker-online");

        world.Client.Enqueue(() => TestJobs.Block());
        await tap.WaitForAsync(t => t.Of(EventType.WorkerHeartbeat).Any(e => e.Active == 1), "a heartbeat with one running job");
        TestJobs.Gate.Release();
        await tap.WaitForAsync(t => t.Count(EventType.JobSucceeded, "TestJobs.Block") == 1, "the blocked job to finish");
        await tap.WaitForAsync(t => t.Of(EventType.WorkerHeartbeat).LastOrDefault()?.Active == 0, "a heartbeat with no running job");

        world.StopServer();
        await tap.WaitForAsync(t => t.Count(EventType.WorkerOffline) == 1, "worker-offline");
        Assert.Multiple(() =>
        {
            Assert.That(tap.Count(EventType.WorkerOnline), Is.EqualTo(1));
            Assert.That(tap.Of(EventType.WorkerOnline).Single().Interval, Is.EqualTo(0.3).Within(1e-9));
            Assert.That(tap.Of(EventType.WorkerHeartbeat).Select(e => e.Dropped), Has.All.EqualTo(0));
            Assert.That(world.Emitter!.ActiveJobs, Is.Zero);
        });
    }

    [Test]
    public async Task The_emitter_costs_each_job_microseconds_and_every_event_reaches_the_broker()
    {
        const int jobs = 1000;
        var calls = new System.Collections.Concurrent.ConcurrentBag<(string JobId, long Ticks)>();
        await using var tap = await EventTap.StartAsync(_broker.AmqpUrl, JobExporterHangfireOptions.System);
        await using var world = new HangfireWorld(Options(), timedCalls: calls);
        for (var i = 0; i < jobs; i++) world.Client.Enqueue(() => TestJobs.Succeed());
        world.StartServer(workers: 4);

        await tap.WaitForAsync(t => t.Count(EventType.JobSucceeded) == jobs, $"{jobs} job-succeeded events", TimeSpan.FromSeconds(120));
        var overhead = Overhead.Of(calls);
        TestContext.Out.WriteLine($"broker up: {overhead}");
        Assert.Multiple(() =>
        {
            Assert.That(tap.Count(EventType.JobSent), Is.EqualTo(jobs));
            Assert.That(tap.Count(EventType.JobStarted), Is.EqualTo(jobs));
            Assert.That(world.Emitter!.Dropped, Is.Zero);
            Assert.That(overhead.MedianMicrosecondsPerJob, Is.LessThan(1000));
        });
    }
}
