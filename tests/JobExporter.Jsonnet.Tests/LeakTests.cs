using System.Diagnostics;
using NUnit.Framework;

namespace JobExporter.Jsonnet.Tests;

/// <summary>
/// Many evaluations in a row must not grow the process: every result and error buffer is freed and every
/// VM destroyed. Measured with the resident set size from /proc after a warm-up that lets allocators settle.
/// libjsonnet sets up its standard library on every evaluation (about 10 ms), so the runs are split over
/// two threads, one VM each, as the binding requires.
/// </summary>
public sealed class LeakTests
{
    private const int Evaluations = 20_000;
    private const int Threads = 2;

    // Leaking only the result buffers (8 KB each) would add about 160 MB over the run.
    private const long AllowedGrowthBytes = 32L * 1024 * 1024;

    // Cheap to evaluate but with a large result, so that a leaked buffer shows in the RSS.
    private const string Snippet = "{ blob: std.extVar('blob'), n: std.length(std.extVar('blob')) }";
    private static readonly string Blob = new('x', 8192);

    [Test]
    public void Twenty_thousand_evaluations_keep_memory_bounded()
    {
        var growth = Measure(Evaluations, (vm, i) =>
        {
            switch (i % 10)
            {
                case 0:
                    Assert.Throws<JsonnetException>(() => vm.EvaluateSnippet("bad.jsonnet", "error 'boom ' + std.extVar('blob')"));
                    break;
                case 1:
                    Assert.That(vm.EvaluateSnippetMulti("m.jsonnet", "{ a: " + Snippet + ", b: [1] }"), Has.Count.EqualTo(2));
                    break;
                default:
                    Assert.That(vm.EvaluateSnippet("leak.jsonnet", Snippet), Has.Length.GreaterThan(8192));
                    break;
            }
        });

        Assert.That(growth, Is.LessThan(AllowedGrowthBytes));
    }

    [Test]
    public void Creating_and_disposing_many_vms_keeps_memory_bounded()
    {
        var growth = Measure(4_000, (_, _) =>
        {
            using var vm = new JsonnetVm();
            vm.SetExtVar("blob", Blob);
            vm.AddLibraryPath("/tmp");
            vm.SetTlaCode("unused", "{}");
            Assert.That(vm.EvaluateSnippet("leak.jsonnet", Snippet), Has.Length.GreaterThan(8192));
        });

        Assert.That(growth, Is.LessThan(AllowedGrowthBytes));
    }

    private static long Measure(int evaluations, Action<JsonnetVm, int> evaluate)
    {
        void Run(int count) => Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            using var vm = new JsonnetVm();
            vm.SetExtVar("blob", Blob);
            for (var i = 0; i < count / Threads; i++) evaluate(vm, i);
        });

        Run(1_000);
        var before = ResidentBytes();
        var clock = Stopwatch.StartNew();
        Run(evaluations);
        var after = ResidentBytes();
        TestContext.Out.WriteLine(
            $"{evaluations} evaluations on {Threads} threads in {clock.Elapsed.TotalSeconds:F1} s; RSS {before / 1048576.0:F1} MB -> " +
            $"{after / 1048576.0:F1} MB (growth {(after - before) / 1048576.0:F1} MB, allowed {AllowedGrowthBytes / 1048576} MB)");
        return after - before;
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
