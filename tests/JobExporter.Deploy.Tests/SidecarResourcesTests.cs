using System.Globalization;
using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>
/// The sidecar's memory request and limit are sized from what `make bench` measured (docs/benchmarks.md, "Sidecar
/// workload"): a new benchmark that no longer fits fails here, before a pod is OOM-killed beside its worker.
/// </summary>
public sealed partial class SidecarResourcesTests
{
    private static readonly string Benchmarks = Path.Combine(RepositoryPaths.Root, "docs", "benchmarks.md");

    [Test]
    public void The_memory_request_covers_the_measured_idle_sidecar_and_the_limit_its_peak_while_draining_a_backlog()
    {
        var text = File.ReadAllText(Benchmarks);
        var idle = IdleNative().Match(text);
        var peaks = ExporterPeak().Matches(text).Select(m => (Shape: m.Groups[1].Value, MiB: MiB(m.Groups[2].Value))).ToList();
        Assert.That(idle.Success, "docs/benchmarks.md has the idle RSS of the NativeAOT sidecar");
        Assert.That(peaks.Select(p => p.Shape), Is.EquivalentTo(new[] { "1", "24" }), "docs/benchmarks.md has the exporter's peak RSS in both shapes");

        var resources = DeployFiles.At(SidecarContainer(), "resources");
        var request = Quantity(DeployFiles.Str(DeployFiles.At(resources, "requests", "memory")));
        var limit = Quantity(DeployFiles.Str(DeployFiles.At(resources, "limits", "memory")));
        Assert.Multiple(() =>
        {
            Assert.That(request, Is.GreaterThanOrEqualTo(MiB(idle.Groups[1].Value)), "request vs idle RSS");
            foreach (var (shape, peak) in peaks) Assert.That(limit, Is.GreaterThanOrEqualTo(peak), $"limit vs peak RSS, {shape} event(s) a message");
        });
    }

    private static Dictionary<object, object?> SidecarContainer()
    {
        var manifest = Path.Combine(DeployFiles.Root, "kubernetes", "sidecar", "deployment.yaml");
        return DeployFiles.Documents(manifest).SelectMany(DeployFiles.Maps)
            .Single(m => ExporterUse.IsExporterImage(DeployFiles.Str(m.GetValueOrDefault("image"))));
    }

    private static double MiB(string number) => double.Parse(number.Replace(",", ""), CultureInfo.InvariantCulture);

    private static double Quantity(string? text)
    {
        var match = Regex.Match(text ?? "", @"^(\d+)Mi$");
        Assert.That(match.Success, $"memory '{text}' in Mi");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^Idle, NativeAOT: .* RSS \*\*([\d.,]+) MiB\*\*", RegexOptions.Multiline)]
    private static partial Regex IdleNative();

    [GeneratedRegex(@"^\| (\d+) events? a message \([^)]*\) \| exporter \|.*\*\*([\d.,]+) MiB\*\* \| \d+ \|$", RegexOptions.Multiline)]
    private static partial Regex ExporterPeak();
}
