using System.IO.Compression;
using System.Reflection;
using System.Runtime.Loader;
using System.Runtime.Versioning;
using Hangfire;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.Server;
using JobExporter.Contracts;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Packaging;

/// <summary>
/// The netstandard2.0 build of the packages, the one .NET Framework 4.7.2+ workers get: packed as <c>make pack</c> packs
/// them, its assemblies taken out of the .nupkg files and loaded on their own (an assembly load context of their own, so
/// that nothing of the test's net10.0 build of the emitter is used), then a real Hangfire server runs jobs with that
/// emitter and its events arrive through a real RabbitMQ node. Its dependencies (Hangfire, RabbitMQ.Client, the
/// Microsoft.Bcl polyfill packages) come from the test host, as they would from the app's own packages.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NetStandardBuildTests
{
    private static readonly string[] Projects = ["JobExporter.Transport", "JobExporter.Contracts", "JobExporter.Emitter", "JobExporter.Hangfire"];

    private LocalPackageFeed _feed = null!;
    private TempFolder _assets = null!;
    private Assembly _hangfire = null!;
    private Assembly _contracts = null!;
    private Assembly _emitter = null!;

    [OneTimeSetUp]
    public async Task PackAndLoadTheNetStandardBuild()
    {
        _feed = await LocalPackageFeed.PackAsync(Projects);
        _assets = new TempFolder("netstandard2.0");
        foreach (var project in Projects)
        {
            using var package = ZipFile.OpenRead(_feed.Package(project));
            var libraries = package.Entries.Select(e => e.FullName).Where(n => n.StartsWith("lib/", StringComparison.Ordinal) && n.EndsWith(".dll", StringComparison.Ordinal));
            Assert.That(libraries, Is.EquivalentTo(new[] { "net8.0", "net10.0", "netstandard2.0" }.Select(tfm => $"lib/{tfm}/{project}.dll")),
                $"{project} has a build for each target framework");
            package.GetEntry($"lib/netstandard2.0/{project}.dll")!.ExtractToFile(_assets.File($"{project}.dll"));
        }
        var context = new PackageAssets(_assets.Path);
        _hangfire = context.LoadFromAssemblyPath(_assets.File("JobExporter.Hangfire.dll"));
        _contracts = context.LoadFromAssemblyName(new AssemblyName("JobExporter.Contracts"));
        _emitter = context.LoadFromAssemblyName(new AssemblyName("JobExporter.Emitter"));
    }

    [OneTimeTearDown]
    public void RemoveTheFeed()
    {
        _feed.Dispose();
        _assets.Dispose();
    }

    [Test]
    public async Task The_netstandard2_0_emitter_from_the_packages_publishes_a_Hangfire_servers_jobs_through_RabbitMQ()
    {
        var hangfire = _hangfire;
        var contracts = _contracts;
        var emitterRuntime = _emitter;
        Assert.Multiple(() =>
        {
            Assert.That(hangfire.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName, Is.EqualTo(".NETStandard,Version=v2.0"));
            Assert.That(contracts.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName, Is.EqualTo(".NETStandard,Version=v2.0"));
            Assert.That(emitterRuntime.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName, Is.EqualTo(".NETStandard,Version=v2.0"));
            Assert.That(contracts, Is.Not.SameAs(typeof(JobEvent).Assembly), "the package's build, not the test's");
            Assert.That(emitterRuntime, Is.Not.SameAs(typeof(EventPublisherOptions).Assembly), "the package's build, not the test's");
        });

        await using var broker = await RabbitMqNode.StartAsync();
        await using var tap = await EventTap.StartAsync(broker.AmqpUrl, JobExporterHangfireOptions.System);
        var optionsType = hangfire.GetType("JobExporter.Hangfire.JobExporterHangfireOptions", throwOnError: true)!;
        var options = Activator.CreateInstance(optionsType)!;
        optionsType.GetProperty("BrokerUrl")!.SetValue(options, broker.AmqpUrl);
        optionsType.GetProperty("Hostname")!.SetValue(options, "netstandard-worker");
        var emitterType = hangfire.GetType("JobExporter.Hangfire.JobExporterEmitter", throwOnError: true)!;
        var emitter = (IAsyncDisposable)Activator.CreateInstance(emitterType, options, null, null)!;
        var filters = new JobFilterCollection();
        emitterType.GetMethod("InstallFilters")!.Invoke(emitter, [filters]);
        var provider = new JobFilterProviderCollection(filters, new JobFilterAttributeFilterProvider());
        var process = (IBackgroundProcess)emitterType.GetProperty("WorkerProcess")!.GetValue(emitter)!;

        using (var storage = new InMemoryStorage())
        using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 2, FilterProvider = provider }, storage, [process]))
        {
            var client = new BackgroundJobClient(storage, provider);
            for (var i = 0; i < 5; i++) client.Enqueue(() => NetStandardJobs.Work());
            await tap.WaitForAsync(t => t.Count(EventType.JobSucceeded, "NetStandardJobs.Work") == 5, "the five jobs' job-succeeded");
        }
        await emitter.DisposeAsync();
        await tap.WaitForAsync(t => t.Count(EventType.WorkerOffline) == 1, "worker-offline when the server stopped");

        Assert.Multiple(() =>
        {
            Assert.That(tap.Count(EventType.JobSent, "NetStandardJobs.Work"), Is.EqualTo(5));
            Assert.That(tap.Count(EventType.JobStarted, "NetStandardJobs.Work"), Is.EqualTo(5));
            Assert.That(tap.Of(EventType.JobStarted).Select(e => e.Queue).Distinct(), Is.EqualTo(new[] { "default" }));
            Assert.That(tap.Count(EventType.WorkerOnline), Is.EqualTo(1));
            Assert.That(tap.Events.Select(e => e.Hostname).Distinct(), Is.EqualTo(new[] { "netstandard-worker" }));
            Assert.That(tap.Invalid, Is.Empty);
        });
    }

    [Test]
    public void The_netstandard2_0_publisher_refuses_a_pem_client_key_and_names_the_pkcs12_alternative()
    {
        using var pki = new TestPki();
        var optionsType = _emitter.GetType("JobExporter.Emitter.EventPublisherOptions", throwOnError: true)!;
        var options = Activator.CreateInstance(optionsType)!;
        optionsType.GetProperty("BrokerUrl")!.SetValue(options, new Uri("amqps://u:p@127.0.0.1:1/"));
        optionsType.GetProperty("CertFile")!.SetValue(options, pki.ClientCertFile);
        optionsType.GetProperty("KeyFile")!.SetValue(options, pki.ClientKeyFile);
        var publisherType = _emitter.GetType("JobExporter.Emitter.EventPublisher", throwOnError: true)!;
        var thrown = Assert.Throws<TargetInvocationException>(() => Activator.CreateInstance(publisherType, options, null))!.InnerException;
        Assert.That(thrown, Is.InstanceOf<ArgumentException>());
        Assert.That(thrown!.Message, Does.Contain("PKCS#12 file (.pfx or .p12)").And.Contain("netstandard2.0"));
    }

    /// <summary>Loads the package's assemblies from their folder; everything else from the host, as an app's packages.</summary>
    private sealed class PackageAssets(string folder) : AssemblyLoadContext("netstandard2.0 packages")
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}

/// <summary>The job of <see cref="NetStandardBuildTests"/>.</summary>
public static class NetStandardJobs
{
    public static void Work()
    {
    }
}
