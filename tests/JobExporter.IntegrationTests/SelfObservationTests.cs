using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests;

/// <summary>What the running exporter tells about itself: its own process and runtime, its build, and its log.</summary>
public class SelfObservationTests
{
    [Test]
    public async Task The_page_shows_the_exporters_own_cpu_memory_and_garbage_collections()
    {
        await using var exporter = await ExporterProcess.StartAsync(SharedBroker.Node.AmqpUrl, EventLane.New().ExporterArgs);
        var m = await exporter.ScrapeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("process_cpu_seconds_total"), Is.GreaterThan(0));
            // The resident memory of this very process, as Linux counts it, give or take what moved since.
            var rssMiB = m.Value("process_working_set_bytes")! / 1048576.0;
            Assert.That(rssMiB, Is.InRange(5, 1024));
            Assert.That(m.Value("process_start_time_seconds"), Is.GreaterThan(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds()));
            Assert.That(m.Value("process_num_threads"), Is.GreaterThan(1));
            Assert.That(m.Has("dotnet_collection_count_total", ("generation", "0")), m.Text);
            Assert.That(m.Value("dotnet_total_memory_bytes"), Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task Web_disable_exporter_metrics_leaves_the_process_and_runtime_metrics_off_the_page()
    {
        await using var exporter = await ExporterProcess.StartAsync(SharedBroker.Node.AmqpUrl, [.. EventLane.New().ExporterArgs,
            "--web.disable-exporter-metrics"]);
        var m = await exporter.ScrapeAsync();
        Assert.That(m.All.Where(s => s.Name.StartsWith("process_", StringComparison.Ordinal) || s.Name.StartsWith("dotnet_", StringComparison.Ordinal)), Is.Empty);
        Assert.That(m.Has("jobs_exporter_build_info"), "the exporter's own job metrics stay");
    }

    [Test]
    public async Task Build_info_and_the_first_log_line_name_the_version_and_revision_that_runs()
    {
        var version = await ProcessRunner.RunAsync("dotnet", [RepositoryPaths.ExporterDll, "--version"], timeout: TimeSpan.FromSeconds(60));
        var match = System.Text.RegularExpressions.Regex.Match(version.Output, @"^jobexporter (\S+) \(revision ([0-9a-f]{7,12})\)");
        Assert.That(match.Success, version.Output);
        var (number, revision) = (match.Groups[1].Value, match.Groups[2].Value);

        await using var exporter = await ExporterProcess.StartAsync(SharedBroker.Node.AmqpUrl, EventLane.New().ExporterArgs);
        var m = await exporter.ScrapeAsync();
        Assert.That(m.Value("jobs_exporter_build_info", ("version", number), ("revision", revision)), Is.EqualTo(1), m.Text);
        Assert.That(exporter.Output, Does.Contain($"Starting jobexporter {number} (revision {revision})"));
    }

    [Test]
    public async Task The_log_says_when_a_worker_comes_up_and_when_it_goes_down()
    {
        var broker = SharedBroker.Node.AmqpUrl;
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(broker, lane.ExporterArgs);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        var host = $"pod-{Guid.NewGuid():N}"[..16];
        var f = new EventFactory("hangfire", host);
        await using (var publisher = lane.Publisher(broker))
        {
            publisher.TryPublish(f.Worker(EventType.WorkerOnline, TimeSpan.FromSeconds(10)));
            await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains($"Worker {host} (hangfire) is up")),
                Events.Patience, "the worker-up line", () => exporter.Output);
            publisher.TryPublish(f.Worker(EventType.WorkerOffline, TimeSpan.FromSeconds(10)));
            await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains($"Worker {host} (hangfire) is down: it sent worker-offline")),
                Events.Patience, "the worker-down line", () => exporter.Output);
        }
    }
}
