using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Packaging;

/// <summary>
/// docs/package-readme.md is the page nuget.org shows for every package: it must list each package with the target
/// frameworks it ships, and its links must work from nuget.org (absolute, not relative to the repository).
/// </summary>
[TestFixture]
public sealed partial class PackageReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "package-readme.md"));

    [TestCaseSource(typeof(LocalPackageFeed), nameof(LocalPackageFeed.PackableProjects))]
    public void The_package_readme_gives_each_package_with_the_target_frameworks_it_ships(string package)
    {
        var csproj = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", package, $"{package}.csproj"));
        var frameworks = TargetFrameworks().Match(csproj).Groups[1].Value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var row = Readme.Split('\n').SingleOrDefault(l => l.StartsWith($"| `{package}` |", StringComparison.Ordinal));
        Assert.That(row, Is.Not.Null, $"a row for {package} in the packages table");
        var listed = row!.TrimEnd('|', ' ').Split('|').Last().Split(',', StringSplitOptions.TrimEntries);
        Assert.That(listed, Is.EquivalentTo(frameworks), $"{package}'s target frameworks");
    }

    [Test]
    public void Every_link_in_the_package_readme_is_absolute()
    {
        var links = MarkdownLink().Matches(Readme).Select(m => m.Groups[1].Value).ToList();
        Assert.That(links, Is.Not.Empty);
        Assert.That(links.Where(l => !l.StartsWith("https://", StringComparison.Ordinal)), Is.Empty, "nuget.org cannot follow a relative link");
    }

    [GeneratedRegex(@"<TargetFrameworks>([^<]*)</TargetFrameworks>")]
    private static partial Regex TargetFrameworks();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
