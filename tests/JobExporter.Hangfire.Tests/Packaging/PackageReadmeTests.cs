using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Packaging;

/// <summary>
/// docs/package-readme.md is the page nuget.org shows for every package, so it is checked against the packages as
/// packed (not their project files): each package ships it as its readme, each is listed with the target frameworks its
/// lib/ folder holds, each version it names for a dependency is one the packages ask for, and its links work from
/// nuget.org (absolute, not relative to the repository). Its code snippets are checked with the quick start's
/// (JobExporter.Deploy.Tests, ReadmeTests).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class PackageReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "package-readme.md"));

    private LocalPackageFeed _feed = null!;

    [OneTimeSetUp]
    public async Task Pack() => _feed = await LocalPackageFeed.PackAllAsync();

    [OneTimeTearDown]
    public void DeleteTheFeed() => _feed.Dispose();

    [TestCaseSource(typeof(LocalPackageFeed), nameof(LocalPackageFeed.PackableProjects))]
    public void The_package_ships_the_readme_and_the_target_frameworks_it_gives(string package)
    {
        using var nupkg = ZipFile.OpenRead(_feed.Package(package));
        var readme = nupkg.GetEntry("README.md");
        Assert.That(readme, Is.Not.Null, "README.md in the package");
        using (var reader = new StreamReader(readme!.Open())) Assert.That(reader.ReadToEnd(), Is.EqualTo(Readme), "the package's readme is docs/package-readme.md");

        var shipped = nupkg.Entries.Select(e => e.FullName.Split('/')).Where(p => p is ["lib", _, _]).Select(p => p[1]).Distinct();
        var row = Readme.Split('\n').SingleOrDefault(l => l.StartsWith($"| `{package}` |", StringComparison.Ordinal));
        Assert.That(row, Is.Not.Null, $"a row for {package} in the packages table");
        var listed = row!.TrimEnd('|', ' ').Split('|').Last().Split(',', StringSplitOptions.TrimEntries);
        Assert.That(listed, Is.EquivalentTo(shipped), $"{package}'s target frameworks: its lib/ folders");
    }

    [Test]
    public void Every_dependency_version_the_readme_names_is_one_a_package_asks_for()
    {
        var asked = LocalPackageFeed.PackableProjects().SelectMany(Dependencies).ToLookup(d => d.Id, d => d.Version);
        var named = NamedVersion().Matches(Readme).Select(m => (Id: m.Groups[1].Value, Version: m.Groups[2].Value))
            .Where(n => asked.Contains(n.Id)).ToList();
        Assert.That(named.Select(n => n.Id), Is.SupersetOf(new[] { "Hangfire.Core", "MassTransit", "RabbitMQ.Client", "System.Text.Json" }),
            "the readme gives the versions the packages ask for");
        Assert.Multiple(() =>
        {
            foreach (var (id, version) in named) Assert.That(asked[id], Does.Contain(version), $"{id} {version}: the packages ask for {string.Join(", ", asked[id].Distinct())}");
        });
        var extensions = asked.Where(g => g.Key.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)).SelectMany(g => g).Distinct();
        Assert.That(extensions, Is.EquivalentTo(new[] { "8.0.0", "10.0.0" }), "Microsoft.Extensions.* at the 8.0.0 and 10.0.0 releases, as the readme says");
    }

    [Test]
    public void Every_link_in_the_package_readme_is_absolute()
    {
        var links = MarkdownLink().Matches(Readme).Select(m => m.Groups[1].Value).ToList();
        Assert.That(links, Is.Not.Empty);
        Assert.That(links.Where(l => !l.StartsWith("https://", StringComparison.Ordinal)), Is.Empty, "nuget.org cannot follow a relative link");
    }

    /// <summary>Every dependency of every target framework group in the package's nuspec.</summary>
    private IEnumerable<(string Id, string Version)> Dependencies(string package)
    {
        using var nupkg = ZipFile.OpenRead(_feed.Package(package));
        using var nuspec = nupkg.GetEntry($"{package}.nuspec")!.Open();
        return [.. XDocument.Load(nuspec).Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (e.Attribute("id")!.Value, e.Attribute("version")!.Value))];
    }

    [GeneratedRegex(@"`([A-Z][A-Za-z0-9.]+)` (\d+\.\d+\.\d+)")]
    private static partial Regex NamedVersion();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
