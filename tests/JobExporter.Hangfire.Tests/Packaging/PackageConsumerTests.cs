using System.Text.Json;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Packaging;

/// <summary>
/// The packages as users get them: every package of the repository packed into a feed of its own, and the apps of
/// tests/PackageConsumers (a Hangfire worker, a MassTransit worker; central package versions, warnings as errors,
/// transitive pinning) restored from it and the normal NuGet source, built, and run against a real RabbitMQ node and
/// the real exporter, whose /metrics must count every job exactly once. On net8.0 the apps pin
/// Microsoft.Extensions.Hosting 8.0.1 and the packages' floors of MassTransit and RabbitMQ.Client: the packages must
/// not pull any Microsoft.Extensions.* (or DiagnosticSource) newer than 8 into them.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PackageConsumerTests
{
    private const int Jobs = 7;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private LocalPackageFeed _feed = null!;
    private RabbitMqNode _broker = null!;
    private ExporterProcess _exporter = null!;

    [OneTimeSetUp]
    public async Task PackAndStartTheExporter()
    {
        _feed = await LocalPackageFeed.PackAllAsync();
        _broker = await RabbitMqNode.StartAsync();
        _exporter = await ExporterProcess.StartAsync(_broker.AmqpUrl, "--systems", "hangfire,masstransit");
        await _exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Deadline, "the exporter to consume");
    }

    [OneTimeTearDown]
    public async Task StopAll()
    {
        await _exporter.DisposeAsync();
        await _broker.DisposeAsync();
        _feed.Dispose();
    }

    [TestCase("HangfireWorker", "net8.0", "hangfire", "SampleJobs.Work")]
    [TestCase("HangfireWorker", "net10.0", "hangfire", "SampleJobs.Work")]
    [TestCase("MassTransitWorker", "net8.0", "masstransit", "WorkConsumer")]
    [TestCase("MassTransitWorker", "net10.0", "masstransit", "WorkConsumer")]
    public async Task An_app_built_from_the_packages_keeps_its_own_versions_and_every_job_is_counted_once(
        string app, string framework, string system, string job)
    {
        using var apps = new TempFolder("consumers");
        CopyApps(apps.Path);
        var project = Path.Combine(apps.Path, app, $"{app}.csproj");
        await _feed.BuildAsync(project, $"AppFramework={framework}", $"JobExporterVersion={_feed.Version}");

        var libraries = ResolvedLibraries(Path.Combine(apps.Path, app, "obj", "project.assets.json"));
        var emitter = app == "HangfireWorker" ? "JobExporter.Hangfire" : "JobExporter.MassTransit";
        Assert.That(libraries, Does.Contain((emitter, _feed.Version, "package")), "the emitter came from the feed as a package");
        if (framework == "net8.0")
        {
            var newerThan8 = libraries.Where(l => (l.Name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)
                    || l.Name == "System.Diagnostics.DiagnosticSource") && int.Parse(l.Version.Split('.')[0]) > 8)
                .Select(l => $"{l.Name}/{l.Version}");
            Assert.That(newerThan8, Is.Empty, "the packages moved the .NET 8 app off its 8.0 packages");
            Assert.That(libraries, Does.Contain(("RabbitMQ.Client", "7.1.2", "package")), "the app runs on the RabbitMQ.Client floor");
            if (app == "MassTransitWorker")
                Assert.That(libraries, Does.Contain(("MassTransit", "8.4.0", "package")), "the app runs on the MassTransit floor");
        }

        var hostname = $"{app}-{framework}-{Guid.NewGuid():N}"[..40];
        var executable = Path.Combine(apps.Path, app, "bin", RepositoryPaths.Configuration, framework, "linux-x64", app);
        var run = await ProcessRunner.RunAsync(executable,
            [$"--JobExporter:BrokerUrl={_broker.AmqpUrl}", $"--JobExporter:Hostname={hostname}", $"--Jobs={Jobs}"],
            timeout: TimeSpan.FromMinutes(2));
        Assert.That(run.ExitCode, Is.Zero, run.Output);
        var runtime = framework == "net8.0" ? ".NET 8." : ".NET 10.";
        Assert.That(run.Output, Does.Contain($"ran {Jobs} jobs on {runtime}"), $"the app ran on the {runtime} runtime");

        // The worker's offline event is its last: once the exporter has it, it has every job event before it.
        (string, string)[] labels = [("system", system), ("hostname", hostname), ("name", job)];
        var metrics = await _exporter.WaitForMetricsAsync(m => m.Value("jobs_worker_up", ("system", system), ("hostname", hostname)) == 0,
            Deadline, $"the {app} worker ({framework}) to go offline");
        Assert.That(metrics.Value("jobs_started_total", labels), Is.EqualTo(Jobs), metrics.Text);
        Assert.That(metrics.Value("jobs_succeeded_total", labels), Is.EqualTo(Jobs), metrics.Text);
        Assert.That(metrics.Value("jobs_failed_total", labels) ?? 0, Is.Zero);
    }

    /// <summary>tests/PackageConsumers without any build output, so that every run restores and builds afresh.</summary>
    private static void CopyApps(string destination)
    {
        var source = Path.Combine(RepositoryPaths.Root, "tests", "PackageConsumers");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")) continue;
            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Every package and project in the restored graph: what <c>dotnet list package --include-transitive</c> shows.</summary>
    private static List<(string Name, string Version, string Type)> ResolvedLibraries(string assetsFile)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(assetsFile));
        return [.. assets.RootElement.GetProperty("libraries").EnumerateObject().Select(library =>
        {
            var slash = library.Name.IndexOf('/');
            return (library.Name[..slash], library.Name[(slash + 1)..], library.Value.GetProperty("type").GetString()!);
        })];
    }
}
