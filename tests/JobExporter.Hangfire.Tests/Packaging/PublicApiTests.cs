using System.IO.Compression;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Packaging;

/// <summary>
/// The public surface of every package, as packed, kept in api/&lt;Package&gt;.txt so that a change to it shows in review:
/// a line per public type and member, marked with the target frameworks that have it when not all do. Set
/// UPDATE_GOLDEN=1 to rewrite the files after an intended change, and review the diff. Packages are found, not listed
/// (<see cref="LocalPackageFeed.PackableProjects"/>): a new package needs only its api file.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PublicApiTests
{
    private static readonly string ApiFolder = Path.Combine(RepositoryPaths.Root, "api");
    private LocalPackageFeed _feed = null!;

    [OneTimeSetUp]
    public async Task Pack() => _feed = await LocalPackageFeed.PackAllAsync();

    [OneTimeTearDown]
    public void RemoveTheFeed() => _feed.Dispose();

    [Test]
    public void Every_packages_public_surface_is_the_one_in_its_api_file()
    {
        var packages = LocalPackageFeed.PackableProjects().ToList();
        var update = Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";
        if (update)
        {
            Directory.CreateDirectory(ApiFolder);
            foreach (var stale in Directory.EnumerateFiles(ApiFolder, "*.txt").Where(f => !packages.Contains(Path.GetFileNameWithoutExtension(f))))
                File.Delete(stale);
        }
        Assert.Multiple(() =>
        {
            foreach (var package in packages)
            {
                var actual = Surface(package);
                var path = Path.Combine(ApiFolder, $"{package}.txt");
                if (update) File.WriteAllText(path, actual);
                Assert.That(File.Exists(path) ? File.ReadAllText(path) : "(no file)", Is.EqualTo(actual),
                    $"api/{package}.txt differs from the packed {package}; rerun with UPDATE_GOLDEN=1 if the change is intended");
            }
            var files = Directory.Exists(ApiFolder) ? Directory.EnumerateFiles(ApiFolder, "*.txt").Select(Path.GetFileNameWithoutExtension) : [];
            Assert.That(files, Is.EquivalentTo(packages), "an api file for each package, and none for a package that is gone");
        });
    }

    /// <summary>The union of the surfaces of every lib/&lt;tfm&gt;/ build in the package, in the api file's form.</summary>
    private string Surface(string package)
    {
        using var nupkg = ZipFile.OpenRead(_feed.Package(package));
        var builds = nupkg.Entries.Where(e => e.FullName.StartsWith("lib/", StringComparison.Ordinal) && e.Name == $"{package}.dll")
            .ToDictionary(e => e.FullName.Split('/')[1], e =>
            {
                using var stream = e.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return PublicSurface.Of(copy.ToArray());
            });
        Assert.That(builds, Is.Not.Empty, $"{package} has a lib/ build");
        var frameworks = builds.Keys.Order(StringComparer.Ordinal).ToList();
        var lines = builds.Values.SelectMany(l => l).Distinct().Order(StringComparer.Ordinal).Select(line =>
        {
            var having = frameworks.Where(f => builds[f].Contains(line)).ToList();
            return having.Count == frameworks.Count ? line : $"{line}  // only {string.Join(", ", having)}";
        });
        return $"# {package}: public surface of {string.Join(", ", frameworks)} (UPDATE_GOLDEN=1 rewrites this file)\n"
            + string.Join("\n", lines) + "\n";
    }
}
