namespace JobExporter.Testing;

/// <summary>Where things are in the repository, found from the running test assembly.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug: the configuration the tests themselves were built in.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";

    public static string ExporterDll => Path.Combine(Root, "src", "JobExporter", "bin", Configuration, "net10.0", "JobExporter.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "JobExporter.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"JobExporter.sln not found above {AppContext.BaseDirectory}");
    }
}
