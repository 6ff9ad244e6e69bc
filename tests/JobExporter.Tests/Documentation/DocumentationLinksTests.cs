using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Tests.Documentation;

/// <summary>
/// The README is one screen that sends a newcomer on to docs/: every relative link and #anchor in README.md and
/// docs/*.md leads to a file and heading that exist, docs/README.md lists every page, and the README stays short.
/// </summary>
public sealed partial class DocumentationLinksTests
{
    private const int MostReadmeLines = 120;

    public static IEnumerable<TestCaseData> Pages() => DocPages.All()
        .Select(p => new TestCaseData(p).SetArgDisplayNames(Path.GetRelativePath(RepositoryPaths.Root, p)));

    [TestCaseSource(nameof(Pages))]
    public void Every_relative_link_leads_to_a_file_and_heading_that_exist(string page)
    {
        var links = Links(File.ReadAllText(page)).ToList();
        Assert.Multiple(() =>
        {
            foreach (var link in links)
            {
                var hash = link.IndexOf('#');
                var target = hash < 0 ? link : link[..hash];
                var anchor = hash < 0 ? null : link[(hash + 1)..];
                var file = target.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(target)));
                if (!File.Exists(file) && !Directory.Exists(file))
                {
                    Assert.Fail($"{link}: {Path.GetRelativePath(RepositoryPaths.Root, file)} does not exist");
                    continue;
                }
                if (anchor is null) continue;
                Assert.That(file, Does.EndWith(".md"), $"{link}: an anchor into a file that is not markdown");
                Assert.That(Anchors(File.ReadAllText(file)), Does.Contain(anchor), $"{link}: no such heading");
            }
        });
    }

    [Test]
    public void The_readme_fits_on_a_screen_and_sends_the_reader_to_the_table_of_contents()
    {
        var readme = File.ReadAllLines(DocPages.ReadmePath);
        Assert.That(readme, Has.Length.LessThanOrEqualTo(MostReadmeLines), "the reference belongs in a docs/ page");
        Assert.That(Links(string.Join('\n', readme)), Does.Contain("docs/README.md"));
    }

    [Test]
    public void The_table_of_contents_lists_every_page()
    {
        var contents = DocPages.Read("README");
        var listed = Links(contents).Select(l => l.Split('#')[0]).ToHashSet();
        var pages = Directory.EnumerateFiles(DocPages.Folder, "*.md").Select(Path.GetFileName).Where(p => p != "README.md");
        Assert.That(pages, Is.SubsetOf(listed));
    }

    [Test]
    public void Anchors_are_made_as_GitHub_makes_them()
    {
        Assert.That(Anchors("# Celery on Redis\n## From the emitter: any storage\n### `celery-mixin` on JobExporter\n## Celery on Redis\n"),
            Is.EqualTo(new[] { "celery-on-redis", "from-the-emitter-any-storage", "celery-mixin-on-jobexporter", "celery-on-redis-1" }));
        Assert.That(Links("[a](b.md#c) `[not](x.md)` ![p](i.png) [web](https://example.com)\n```\n[no](y.md)\n```\n"),
            Is.EqualTo(new[] { "b.md#c", "i.png" }));
    }

    /// <summary>The relative link targets of a markdown text, outside code blocks and code spans.</summary>
    private static IEnumerable<string> Links(string markdown) =>
        Link().Matches(CodeSpan().Replace(Fence().Replace(markdown, ""), ""))
            .Select(m => m.Groups[1].Value)
            .Where(l => !Regex.IsMatch(l, "^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase));

    /// <summary>The heading anchors GitHub gives a page: lower case, punctuation dropped, spaces as dashes, repeats numbered.</summary>
    private static List<string> Anchors(string markdown)
    {
        var seen = new Dictionary<string, int>();
        var anchors = new List<string>();
        foreach (Match m in Heading().Matches(Fence().Replace(markdown, "")))
        {
            var slug = string.Concat(m.Groups[1].Value.Trim().ToLowerInvariant()
                .Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_')).Replace(' ', '-');
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return anchors;
    }

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
