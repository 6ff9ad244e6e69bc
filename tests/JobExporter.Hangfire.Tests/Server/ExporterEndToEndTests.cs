using Hangfire;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Server;

/// <summary>The Hangfire emitter, a real RabbitMQ node and the real exporter binary: what Prometheus would scrape.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ExporterEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private RabbitMqNode _broker = null!;
    private ExporterProcess _exporter = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _broker = await RabbitMqNode.StartAsync();
        _exporter = await ExporterProcess.StartAsync(_broker.AmqpUrl);
        await _exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Deadline, "the exporter to consume");
    }

    // Also after a failed start (NUnit runs it then too): the broker is stopped even when the exporter never started.
    [OneTimeTearDown]
    public async Task Stop()
    {
        try
        {
            if (_exporter is not null) await _exporter.DisposeAsync();
        }
        finally
        {
            if (_broker is not null) await _broker.DisposeAsync();
        }
    }

    [Test]
    public async Task The_exporter_counts_every_outcome_and_sees_the_worker_come_and_go()
    {
        var host = Environment.MachineName;
        await using var world = new HangfireWorld(new JobExporterHangfireOptions { BrokerUrl = _broker.AmqpUrl, HeartbeatInterval = TimeSpan.FromMilliseconds(500) });
        Workload.Enqueue(world.Client);
        world.StartServer(workers: 2, "critical", "default");

        var metrics = await _exporter.WaitForMetricsAsync(m =>
            m.Value("jobs_failed_total", ("name", "TestJobs.AlwaysFails")) == 1
            && m.Value("jobs_succeeded_total", ("name", "TestJobs.Then")) == 1
            && m.Value("jobs_succeeded_total", ("name", "TestJobs.Flaky")) == 1
            && m.Value("jobs_succeeded_total", ("name", "TestJobs.Later")) == 1
            && m.Value("jobs_worker_up", ("system", "hangfire"), ("hostname", host)) == 1,
            Deadline, "the workload's outcomes");

        Assert.Multiple(() =>
        {
            (string, string)[] S(string name, string queue) => [("system", "hangfire"), ("name", name), ("queue", queue)];
            (string, string)[] H(string name, string queue) => [.. S(name, queue), ("hostname", host)];
            Assert.That(metrics.Value("jobs_sent_total", S("TestJobs.Succeed", "default")), Is.EqualTo(Workload.Succeeding + 1));
            Assert.That(metrics.Value("jobs_sent_total", S("critical work", "critical")), Is.EqualTo(Workload.OnCritical));
            Assert.That(metrics.Value("jobs_received_total", H("TestJobs.Succeed", "default")), Is.EqualTo(Workload.Succeeding + 1));
            Assert.That(metrics.Value("jobs_started_total", H("critical work", "critical")), Is.EqualTo(Workload.OnCritical));
            Assert.That(metrics.Value("jobs_succeeded_total", H("TestJobs.Succeed", "default")), Is.EqualTo(Workload.Succeeding + 1));
            Assert.That(metrics.Value("jobs_succeeded_total", H("TestJobs.Then", "critical")), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_retried_total", [.. H("TestJobs.Flaky", "default"), ("exception", "InvalidOperationException")]), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_retried_total", [.. H("TestJobs.AlwaysFails", "default"), ("exception", "TimeoutException")]), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_failed_total", [.. H("TestJobs.AlwaysFails", "default"), ("exception", "TimeoutException")]), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_failed_total", [.. H("TestJobs.FailsAndIsDeleted", "default"), ("exception", "ArgumentException")]), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_rejected_total", H("TestJobs.Rejected", "default")), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_revoked_total", H("TestJobs.Never", "default")), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_revoked_total", H("TestJobs.Never", "parked")), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_runtime_seconds_count", [.. S("TestJobs.Succeed", "default"), ("outcome", "succeeded")]), Is.EqualTo(Workload.Succeeding + 1));
            Assert.That(metrics.Value("jobs_runtime_seconds_count", [.. S("TestJobs.AlwaysFails", "default"), ("outcome", "failed")]), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_wait_seconds_count", S("TestJobs.Flaky", "default")), Is.EqualTo(2));
            Assert.That(metrics.Value("jobs_wait_seconds_count", S("critical work", "critical")), Is.EqualTo(Workload.OnCritical));
            Assert.That(metrics.Value("jobs_workers_alive", ("system", "hangfire")), Is.EqualTo(1));
            Assert.That(metrics.Value("jobs_worker_heartbeat_timestamp_seconds", ("system", "hangfire"), ("hostname", host)),
                Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(30));
        });

        world.Client.Enqueue(() => TestJobs.Block());
        await _exporter.WaitForMetricsAsync(m => m.Value("jobs_worker_active", ("system", "hangfire"), ("hostname", host)) == 1,
            Deadline, "a heartbeat with the blocked job running");
        TestJobs.Gate.Release();
        await _exporter.WaitForMetricsAsync(m => m.Value("jobs_worker_active", ("system", "hangfire"), ("hostname", host)) == 0,
            Deadline, "a heartbeat with no job running");

        world.StopServer();
        var after = await _exporter.WaitForMetricsAsync(m => m.Value("jobs_worker_up", ("system", "hangfire"), ("hostname", host)) == 0,
            Deadline, "the worker to go down once its server stopped");
        Assert.That(after.Value("jobs_workers_alive", ("system", "hangfire")), Is.Zero);
    }
}
