using System.Xml.Linq;

namespace JobExporter.Testing;

/// <summary>
/// The exporter's own GC settings beyond workstation and non-concurrent: the gen0 budget cap JobExporter.csproj compiles
/// into the NativeAOT build. A JIT build of the exporter reads it only from the environment, so the benchmarks' bare
/// consumers and JIT exporters, and tests that measure the exporter's heap, are given it there.
/// </summary>
public static class ExporterGcSettings
{
    public static string Project => Path.Combine(RepositoryPaths.Root, "src", "JobExporter", "JobExporter.csproj");

    /// <summary>The cap (hex bytes, as DOTNET_ settings are read), from the Gen0MaxBudget property of the project.</summary>
    public static string Gen0MaxBudget()
    {
        var value = XDocument.Load(Project).Descendants("Gen0MaxBudget").Select(e => e.Value.Trim()).FirstOrDefault();
        return value is { Length: > 0 } ? value : throw new InvalidOperationException($"no <Gen0MaxBudget> in {Project}");
    }

    /// <summary>The environment that gives a process the exporter's gen0 budget cap.</summary>
    public static Dictionary<string, string> Environment() => new() { ["DOTNET_GCGen0MaxBudget"] = Gen0MaxBudget() };
}
