using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

internal static class MetricsSums
{
    /// <summary>The sum of every series of a metric that has these labels (0 when there is none).</summary>
    public static double Sum(this MetricsSnapshot metrics, string name, params (string Label, string Value)[] labels) =>
        metrics.Find(name, labels).Sum(s => s.Value);
}
