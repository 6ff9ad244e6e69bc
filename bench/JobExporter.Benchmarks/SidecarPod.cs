using System.Globalization;
using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

/// <summary>
/// What the exporter gets in a worker pod, for the sidecar benchmark: in a container with a memory limit the .NET
/// runtime caps the heap at System.GC.HeapHardLimitPercent (75, set in JobExporter.csproj) of the limit. The
/// benchmark runs no container, so it passes the heap limit the runtime would derive from the sidecar manifest's
/// limit (deploy/kubernetes/sidecar/deployment.yaml) as DOTNET_GCHeapHardLimit.
/// </summary>
internal static partial class SidecarPod
{
    public const double HeapHardLimitPercent = 75;

    /// <summary>The label of the sidecar run that gets no heap limit (as outside a container).</summary>
    public const string NoLimitLabel = "sidecar1-nolimit";

    public static string Manifest => Path.Combine(RepositoryPaths.Root, "deploy", "kubernetes", "sidecar", "deployment.yaml");

    /// <summary>The memory limit of the exporter container, in bytes.</summary>
    public static long MemoryLimitBytes()
    {
        var match = Limit().Match(File.ReadAllText(Manifest));
        if (!match.Success) throw new InvalidOperationException($"no 'limits: memory: NMi' in {Manifest}");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1024 * 1024;
    }

    public static long HeapHardLimitBytes() => (long)(MemoryLimitBytes() * HeapHardLimitPercent / 100);

    /// <summary>The environment that gives a process outside a container the heap limit it would have in the pod (hex, as DOTNET_ settings are read).</summary>
    public static Dictionary<string, string> Environment() => new()
    {
        ["DOTNET_GCHeapHardLimit"] = HeapHardLimitBytes().ToString("x", CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"limits:\s*\n\s*memory:\s*(\d+)Mi")]
    private static partial Regex Limit();
}
