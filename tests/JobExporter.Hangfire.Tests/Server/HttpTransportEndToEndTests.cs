using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Server;

/// <summary>No broker: a real Hangfire server (in-memory storage) whose emitter posts its batches to two real exporter binaries over HTTP.</summary>
[TestFixture]
[NonParallelizable]
public sealed class HttpTransportEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Each_exporter_of_a_pair_counts_every_outcome_exactly_once()
    {
        await using var first = await IngestExporter.StartAsync("--systems", "hangfire");
        await using var second = await IngestExporter.StartAsync("--systems", "hangfire");
        var host = $"hf-http-{Guid.NewGuid():N}"[..16];
        await using var world = new HangfireWorld(new JobExporterHangfireOptions
        {
            ExporterUrl = first.BaseUrl,
            ExporterUrls = [second.BaseUrl],
            Hostname = host,
            HeartbeatInterval = TimeSpan.FromMilliseconds(500),
        });
        Workload.Enqueue(world.Client);
        world.StartServer(workers: 2, "critical", "default");

        foreach (var exporter in new[] { first, second })
        {
            var m = await exporter.WaitForMetricsAsync(mm =>
                mm.Value("jobs_failed_total", ("name", "TestJobs.AlwaysFails")) == 1
                && mm.Value("jobs_succeeded_total", ("name", "TestJobs.Then")) == 1
                && mm.Value("jobs_succeeded_total", ("name", "TestJobs.Flaky")) == 1
                && mm.Value("jobs_succeeded_total", ("name", "TestJobs.Later")) == 1
                && mm.Value("jobs_worker_up", ("system", "hangfire"), ("hostname", host)) == 1
                // The drop count comes with the first heartbeat, after the worker's online event.
                && mm.Has("jobs_emitter_dropped_events", ("system", "hangfire"), ("hostname", host)),
                Deadline, "the workload's outcomes and a heartbeat");
            (string, string)[] S(string name, string queue) => [("system", "hangfire"), ("name", name), ("queue", queue)];
            (string, string)[] H(string name, string queue) => [.. S(name, queue), ("hostname", host)];
            Assert.Multiple(() =>
            {
                Assert.That(m.Value("jobs_sent_total", S("TestJobs.Succeed", "default")), Is.EqualTo(Workload.Succeeding + 1));
                Assert.That(m.Value("jobs_sent_total", S("critical work", "critical")), Is.EqualTo(Workload.OnCritical));
                Assert.That(m.Value("jobs_succeeded_total", H("TestJobs.Succeed", "default")), Is.EqualTo(Workload.Succeeding + 1));
                Assert.That(m.Value("jobs_started_total", H("critical work", "critical")), Is.EqualTo(Workload.OnCritical));
                Assert.That(m.Value("jobs_retried_total", [.. H("TestJobs.Flaky", "default"), ("exception", "InvalidOperationException")]), Is.EqualTo(1));
                Assert.That(m.Value("jobs_failed_total", [.. H("TestJobs.AlwaysFails", "default"), ("exception", "TimeoutException")]), Is.EqualTo(1));
                Assert.That(m.Value("jobs_rejected_total", H("TestJobs.Rejected", "default")), Is.EqualTo(1));
                Assert.That(m.Value("jobs_revoked_total", H("TestJobs.Never", "default")), Is.EqualTo(1));
                Assert.That(m.Value("jobs_emitter_dropped_events", ("system", "hangfire"), ("hostname", host)), Is.EqualTo(0));
            });
        }
    }
}
