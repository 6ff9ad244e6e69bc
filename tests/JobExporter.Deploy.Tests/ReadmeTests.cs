using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>
/// README's "The two commands" and the pages it sends a newcomer to work as written (docs/quick-start.md, the mixin
/// configuration in docs/alerts-and-dashboards.md, docs/deploying.md, and docs/package-readme.md, the packages' page on
/// nuget.org): each C# and JSON snippet is, line for line, code
/// that the demo workers compile and run; each YAML or jsonnet snippet is part of a file under deploy/ that the other
/// tests check; each shell command names make targets, files, flags, variables and images that exist.
/// </summary>
public sealed partial class ReadmeTests
{
    private static readonly string Readme = DocPages.Readme;

    private static readonly string[] CheckedPages = ["quick-start", "alerts-and-dashboards", "deploying", "package-readme"];

    public static IEnumerable<TestCaseData> Snippets() =>
        new[] { ("README.md \"The two commands\"", Section(Readme, "The two commands")) }
            .Concat(CheckedPages.Select(page => ($"docs/{page}.md", DocPages.Read(page))))
            .SelectMany(source => Fence().Matches(source.Item2)
                .Select((m, i) => new TestCaseData(m.Groups[1].Value, m.Groups[2].Value).SetArgDisplayNames($"{source.Item1} #{i + 1} {m.Groups[1].Value}")));

    [Test]
    public void The_readme_gives_the_two_commands_what_memory_and_cpu_to_expect_and_the_quick_start_its_four_steps()
    {
        var sections = Heading().Matches(Readme).Select(m => m.Groups[1].Value).ToList();
        Assert.That(sections, Is.EqualTo(new[] { "The two commands", "Memory and CPU", "Where to go next" }));
        Assert.That(Section(Readme, "Where to go next"), Does.Contain("](docs/quick-start.md)"));
        // What a user can tune, in short, and where the why is.
        Assert.That(Section(Readme, "Memory and CPU"), Does.Contain("](docs/deploying.md#memory-and-cpu)"));
        Assert.That(DocPages.Read("deploying"), Does.Contain("\n## Memory and CPU\n"));
        var quickStart = DocPages.Read("quick-start");
        Assert.That(quickStart, Does.StartWith("# Quick start\n"));
        Assert.That(Heading().Matches(quickStart).Select(m => m.Groups[1].Value), Is.EqualTo(new[]
        {
            "Add it to your Hangfire workers", "Add it to your MassTransit bus", "Deploy as a sidecar", "Load the alerts and dashboards",
        }));
        Assert.That(DocPages.Read("deploying"), Does.StartWith("# Deploying\n"));
        Assert.That(Snippets().Select(s => s.Arguments[0]), Is.SupersetOf(new[] { "csharp", "json", "yaml", "sh", "jsonnet" }));
    }

    [TestCaseSource(nameof(Snippets))]
    public async Task Snippet_is_real(string language, string snippet)
    {
        switch (language)
        {
            case "csharp":
                Assert.That(FilesContaining(snippet, Directory.EnumerateFiles(DemoFolder, "*.cs", SearchOption.AllDirectories)), Is.Not.Empty,
                    "the C# snippet is code of a demo worker (src/JobExporter.Demo), line for line");
                break;
            case "json":
                Assert.That(FilesContaining(snippet, [Path.Combine(DemoFolder, "appsettings.json")]), Is.Not.Empty,
                    "the JSON snippet is part of src/JobExporter.Demo/appsettings.json");
                break;
            case "yaml":
                Assert.That(FilesContaining(snippet, DeployFiles.Yaml()), Is.Not.Empty, "the YAML snippet is part of a file under deploy/");
                break;
            case "jsonnet":
                Assert.That(FilesContaining(snippet, Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "deploy"), "*.jsonnet", SearchOption.AllDirectories)), Is.Not.Empty,
                    "the jsonnet snippet is part of a mixin configuration under deploy/ (rendered and checked by the mixin tests)");
                break;
            case "sh":
                await CheckShellAsync(snippet);
                break;
            default:
                Assert.Fail($"a {language} snippet: say which file it comes from and check it here");
                break;
        }
    }

    private static string DemoFolder => Path.Combine(RepositoryPaths.Root, "src", "JobExporter.Demo");

    private static async Task CheckShellAsync(string snippet)
    {
        var help = await ExporterHelp.GetAsync();
        var makefile = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "Makefile"));
        var version = System.Xml.Linq.XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        Assert.Multiple(() =>
        {
            foreach (Match m in MakeTarget().Matches(snippet)) Assert.That(makefile, Does.Match($"(?m)^{m.Groups[1].Value}:"), m.Value);
            foreach (Match m in RepoPath().Matches(snippet))
            {
                var path = Path.Combine(RepositoryPaths.Root, m.Value.TrimEnd('/'));
                Assert.That(File.Exists(path) || Directory.Exists(path), $"{m.Value} exists");
            }
            foreach (Match m in Variable().Matches(snippet)) Assert.That(help.EnvironmentVariables, Does.Contain(m.Value));
            foreach (Match m in Image().Matches(snippet)) Assert.That(m.Value, Is.EqualTo($"{ExporterUse.ImageRepository}:{version}"));
        });
    }

    /// <summary>The files that hold the snippet's lines consecutively, each line compared without its indentation.</summary>
    private static List<string> FilesContaining(string snippet, IEnumerable<string> files)
    {
        var wanted = Lines(snippet);
        return files.Where(f =>
        {
            var lines = Lines(File.ReadAllText(f));
            return Enumerable.Range(0, Math.Max(0, lines.Count - wanted.Count + 1)).Any(i => lines.Skip(i).Take(wanted.Count).SequenceEqual(wanted));
        }).ToList();
    }

    private static List<string> Lines(string text) => text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    private static string Section(string page, string title)
    {
        var start = page.IndexOf($"\n## {title}\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"a section \"## {title}\"");
        var end = page.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        return end < 0 ? page[start..] : page[start..end];
    }

    [GeneratedRegex(@"^```(\w+)\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"^## (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"\bmake ([a-z]+)")]
    private static partial Regex MakeTarget();

    [GeneratedRegex(@"\b(deploy|mixin|src|scripts)/[A-Za-z0-9_./-]*")]
    private static partial Regex RepoPath();

    [GeneratedRegex(@"JOBEXPORTER_[A-Z0-9_]+")]
    private static partial Regex Variable();

    [GeneratedRegex(@"ghcr\.io/jobexporter/jobexporter:\S+")]
    private static partial Regex Image();
}
