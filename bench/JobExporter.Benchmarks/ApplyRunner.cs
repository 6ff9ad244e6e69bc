using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace JobExporter.Benchmarks;

internal sealed record ApplyCase(string Description, double MedianNs, double ErrorNs, long BytesPerOp, double Ratio);

internal sealed record ApplyResult(IReadOnlyList<ApplyCase> Cases, string Job, string Load);

/// <summary>Runs <see cref="ApplyBenchmarks"/> (or another class of benchmarks with a baseline) with BenchmarkDotNet, in this process (no generated project to build).</summary>
internal static class ApplyRunner
{
    public static ApplyResult Run(bool quick, string artifacts, TextWriter log) => Run<ApplyBenchmarks>(quick, artifacts, log, "apply", "parse only");

    public static ApplyResult Run<T>(bool quick, string artifacts, TextWriter log, string label, string baselineName)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(quick ? 1 : 3)
            .WithIterationCount(quick ? 3 : 10)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250))
            .WithLaunchCount(1)
            .WithId(quick ? "quick" : "full");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
        var summary = BenchmarkRunner.Run<T>(config);
        var baseline = summary.Reports.Single(r => r.BenchmarkCase.Descriptor.Baseline);
        var baselineNs = baseline.ResultStatistics!.Median;
        var cases = summary.Reports.Select(r => new ApplyCase(
            r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo,
            r.ResultStatistics?.Median ?? double.NaN,
            r.ResultStatistics?.ConfidenceInterval.Margin ?? double.NaN,
            r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) ?? -1,
            (r.ResultStatistics?.Median ?? double.NaN) / baselineNs)).ToList();
        foreach (var c in cases)
        {
            log.WriteLine($"  {label} {c.Description}: {c.MedianNs:F0} ns, {c.BytesPerOp} B/op, x{c.Ratio:F2} of {baselineName}");
        }
        return new ApplyResult(cases, $"BenchmarkDotNet in-process (InProcessEmitToolchain), {(quick ? 1 : 3)} warm-up + {(quick ? 3 : 10)} measured iterations of 250 ms, MemoryDiagnoser", ProcStats.LoadAverage());
    }
}
