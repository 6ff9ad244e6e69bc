using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Tests.Documentation;

/// <summary>
/// Comments in deploy/, mixin/, scripts/ and src/ send the reader to the documentation: each docs/ page they name
/// exists and each section they quote (<c>docs/deploying.md, "Memory and CPU"</c>) is a heading of it, and none quotes
/// a README section, since the README is one screen whose reference moved into docs/.
/// </summary>
public sealed partial class DocumentationCitationsTests
{
    private static readonly string[] Folders = ["deploy", "mixin", "scripts", "src"];
    private static readonly string[] Extensions = [".cs", ".csproj", ".props", ".targets", ".sh", ".yaml", ".yml", ".libsonnet", ".jsonnet", ".py", ".md"];

    [Test]
    public void Every_docs_page_and_section_a_comment_cites_exists_and_no_comment_cites_a_readme_section()
    {
        var citations = SourceFiles().SelectMany(file => Citations(File.ReadAllText(file)).Select(c => (File: file, Citation: c))).ToList();
        Assert.That(citations.Select(c => c.Citation.Page), Does.Contain("docs/deploying.md"), "the scan reaches the files that cite pages");
        Assert.Multiple(() =>
        {
            foreach (var (file, (page, section, text)) in citations)
            {
                var where = $"{Path.GetRelativePath(RepositoryPaths.Root, file)}: {text}";
                if (page == "README.md")
                {
                    Assert.That(Headings(DocPages.Readme), Does.Contain(section), $"{where}: README.md has no such section; cite the docs/ page");
                    continue;
                }
                var path = Path.Combine(RepositoryPaths.Root, page);
                if (!File.Exists(path))
                {
                    Assert.Fail($"{where}: {page} does not exist");
                    continue;
                }
                if (section is not null)
                {
                    Assert.That(Headings(File.ReadAllText(path)).Any(h => h.StartsWith(section, StringComparison.Ordinal)), $"{where}: {page} has no heading \"{section}\"");
                }
            }
        });
    }

    [Test]
    public void Citations_are_read_as_comments_write_them()
    {
        var found = Citations("""
            # see README "Flags", README's "Quick start" and (docs/deploying.md, "Memory and CPU")
            // docs/benchmarks.md "Sidecar workload"; docs/flags.md; the README
            """).ToList();
        Assert.That(found.Select(c => (c.Page, c.Section)), Is.EqualTo(new (string, string?)[]
        {
            ("docs/deploying.md", "Memory and CPU"), ("docs/benchmarks.md", "Sidecar workload"), ("docs/flags.md", null),
            ("README.md", "Flags"), ("README.md", "Quick start"),
        }));
    }

    private static IEnumerable<string> SourceFiles() =>
        Folders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, folder), "*", SearchOption.AllDirectories))
            .Where(f => !Path.GetRelativePath(RepositoryPaths.Root, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or "node_modules" or "vendor"))
            .Where(f => Extensions.Contains(Path.GetExtension(f)) || Path.GetFileName(f).EndsWith("Dockerfile", StringComparison.Ordinal));

    private static IEnumerable<(string Page, string? Section, string Text)> Citations(string text) =>
        [.. DocsCitation().Matches(text).Select(m => (m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null, m.Value)),
         .. ReadmeCitation().Matches(text).Select(m => ("README.md", (string?)m.Groups[1].Value, m.Value))];

    private static List<string> Headings(string markdown) =>
        [.. Heading().Matches(markdown).Select(m => m.Groups[1].Value.Trim())];

    [GeneratedRegex(@"\b(docs/[a-z0-9/-]+\.md)(?:,? ""([^""\n]+)"")?")]
    private static partial Regex DocsCitation();

    [GeneratedRegex(@"\bREADME(?:'s)?,? ""([^""\n]+)""")]
    private static partial Regex ReadmeCitation();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
