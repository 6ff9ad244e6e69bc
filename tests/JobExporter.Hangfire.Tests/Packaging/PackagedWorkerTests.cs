using JobExporter.Contracts;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Packaging;

/// <summary>
/// The emitter as a user gets it: the packages packed into a local folder feed, a sample worker
/// (samples/PackagedHangfireWorker, net8.0, self-contained) restored from that feed (no project reference), and run
/// on the .NET 8 runtime against a real RabbitMQ node.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PackagedWorkerTests
{
    [Test]
    public async Task A_worker_on_dotnet_8_that_references_the_packages_from_a_folder_feed_publishes_its_jobs()
    {
        using var feed = await LocalPackageFeed.PackAsync("JobExporter.Transport", "JobExporter.Contracts", "JobExporter.Emitter", "JobExporter.Hangfire");
        var sample = Path.Combine(RepositoryPaths.Root, "samples", "PackagedHangfireWorker");
        await feed.BuildAsync(sample, $"JobExporterVersion={feed.Version}");
        var assets = await File.ReadAllTextAsync(Path.Combine(sample, "obj", "project.assets.json"));
        Assert.That(assets, Does.Contain($"JobExporter.Hangfire/{feed.Version}").And.Not.Contain("\"type\": \"project\""),
            "the emitter came from the feed as a package");

        await using var broker = await RabbitMqNode.StartAsync();
        await using var tap = await EventTap.StartAsync(broker.AmqpUrl, JobExporterHangfireOptions.System);
        var worker = Path.Combine(sample, "bin", RepositoryPaths.Configuration, "net8.0", "linux-x64", "PackagedHangfireWorker");
        var run = await ProcessRunner.RunAsync(worker, [$"--JobExporter:BrokerUrl={broker.AmqpUrl}", "--JobExporter:Hostname=packaged-worker", "--Jobs=5"],
            timeout: TimeSpan.FromMinutes(2));
        Assert.That(run.ExitCode, Is.Zero, run.Output);
        Assert.That(run.Output, Does.Contain("ran 5 jobs on .NET 8."), "the worker ran on the .NET 8 runtime");

        await tap.WaitForAsync(t => t.Count(EventType.JobSucceeded, "SampleJobs.Work") == 5 && t.Count(EventType.WorkerOffline) == 1,
            "the sample's five jobs and its worker-offline");
        Assert.That(tap.Events.Select(e => e.Hostname).Distinct(), Is.EqualTo(new[] { "packaged-worker" }));
    }
}
