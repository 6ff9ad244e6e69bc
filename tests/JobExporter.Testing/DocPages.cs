namespace JobExporter.Testing;

/// <summary>
/// The README and the reference pages under docs/, by name, so that a test that checks a documented table against the
/// code reads the page where that table lives.
/// </summary>
public static class DocPages
{
    public static string Folder => Path.Combine(RepositoryPaths.Root, "docs");

    public static string ReadmePath => Path.Combine(RepositoryPaths.Root, "README.md");

    public static string Readme => File.ReadAllText(ReadmePath);

    /// <summary>The text of docs/<paramref name="name"/>.md; a page that moved or was renamed fails with its path.</summary>
    public static string Read(string name)
    {
        var path = Path.Combine(Folder, name + ".md");
        if (!File.Exists(path)) throw new FileNotFoundException($"docs/{name}.md is gone: point this test at the page that holds the table now", path);
        return File.ReadAllText(path);
    }

    /// <summary>README.md and every page under docs/ (not its subfolders), as full paths.</summary>
    public static IReadOnlyList<string> All() =>
        [ReadmePath, .. Directory.EnumerateFiles(Folder, "*.md").Order(StringComparer.Ordinal)];
}
