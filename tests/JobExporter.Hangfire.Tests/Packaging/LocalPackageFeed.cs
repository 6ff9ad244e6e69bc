using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Packaging;

/// <summary>
/// Emitter packages packed as <c>make pack</c> packs them into a temp folder that serves as a NuGet feed, under a
/// version of this feed only, so that no package of an earlier run is taken from the NuGet cache. Deleted on dispose.
/// </summary>
internal sealed class LocalPackageFeed : IDisposable
{
    private static readonly string Dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
    private readonly TempFolder _folder = new("feed");

    private LocalPackageFeed()
    {
        Version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
    }

    public string Path => _folder.Path;
    public string Version { get; }

    /// <summary>Builds (every target framework; a no-op after <c>make build</c>) and packs each of src/<paramref name="projects"/>.</summary>
    public static async Task<LocalPackageFeed> PackAsync(params string[] projects)
    {
        var feed = new LocalPackageFeed();
        try
        {
            foreach (var project in projects)
            {
                var path = System.IO.Path.Combine(RepositoryPaths.Root, "src", project);
                await RunAsync("build", path, "-c", RepositoryPaths.Configuration, "-nologo", "-v", "q");
                await RunAsync("pack", path, "-c", RepositoryPaths.Configuration, "--no-build", "-nologo", "-v", "q", "-o", feed.Path,
                    $"-p:Version={feed.Version}");
            }
            return feed;
        }
        catch
        {
            feed.Dispose();
            throw;
        }
    }

    /// <summary>Packs every package of the repository (see <see cref="PackableProjects"/>), as <c>make pack</c> does.</summary>
    public static Task<LocalPackageFeed> PackAllAsync() => PackAsync([.. PackableProjects()]);

    /// <summary>
    /// The projects under src/ that make a package: those whose csproj sets IsPackable (the repository's default is
    /// false), so that a new package is packed, and its surface checked, with nothing to list here.
    /// </summary>
    public static IEnumerable<string> PackableProjects() =>
        Directory.EnumerateFiles(System.IO.Path.Combine(RepositoryPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(csproj => File.ReadAllText(csproj).Contains("<IsPackable>true</IsPackable>", StringComparison.Ordinal))
            .Select(System.IO.Path.GetFileNameWithoutExtension)
            .Select(name => name!)
            .Order(StringComparer.Ordinal);

    /// <summary>The .nupkg of <paramref name="project"/> in this feed.</summary>
    public string Package(string project) => _folder.File($"{project}.{Version}.nupkg");

    /// <summary>Builds a project that references the packages, restoring them from this feed; <paramref name="properties"/> are -p: arguments.</summary>
    public Task BuildAsync(string project, params string[] properties) =>
        RunAsync("build", [project, "-c", RepositoryPaths.Configuration, "-nologo", "-v", "q", $"-p:RestoreAdditionalProjectSources={Path}",
            .. properties.Select(p => $"-p:{p}")]);

    public void Dispose() => _folder.Dispose();

    private static async Task RunAsync(string command, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(Dotnet, [command, .. args], timeout: TimeSpan.FromMinutes(5));
        Assert.That(result.ExitCode, Is.Zero, $"dotnet {command} {string.Join(' ', args)}\n{result.Output}");
    }
}
