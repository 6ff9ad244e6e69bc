using System.Diagnostics;
using NUnit.Framework;

namespace JobExporter.Jsonnet.Tests;

/// <summary>
/// Many evaluations in a row must not grow the C heap: every result and error buffer goes back through
/// <c>jsonnet_realloc(..., 0)</c> and every VM through <c>jsonnet_destroy</c>. Measured as the bytes glibc's
/// allocator has in use (<see cref="CHeap"/>) after a warm-up, so the GC, arena caching and huge pages do not
/// count. Results and error messages are 256 KB, so one missing free per evaluation leaks megabytes, far above
/// the allowance. Measured: intact, growth -0.9 to +2.0 MB; with only the error buffers' free removed, +25.7 MB;
/// with the multi result's free removed, +25.7 MB; with <c>jsonnet_destroy</c> removed, +50.3 MB.
/// JOBEXPORTER_JSONNET_LEAK_EVALUATIONS=20000 runs the long version.
/// </summary>
public sealed class LeakTests
{
    private const int Threads = 2;
    private const int BlobBytes = 256 * 1024;
    private const long AllowedGrowthBytes = 8 * 1024 * 1024;

    private static readonly int Evaluations =
        int.TryParse(Environment.GetEnvironmentVariable("JOBEXPORTER_JSONNET_LEAK_EVALUATIONS"), out var n) ? n : 400;

    // Cheap to evaluate but with a large result, so that a leaked buffer shows.
    private const string Snippet = "{ blob: std.extVar('blob'), n: std.length(std.extVar('blob')) }";
    private static readonly string Blob = new('x', BlobBytes);

    [Test]
    public void Results_and_errors_give_every_buffer_back()
    {
        var growth = Measure(Evaluations, (vm, i) =>
        {
            switch (i % 4)
            {
                case 0:
                    Assert.Throws<JsonnetException>(() => vm.EvaluateSnippet("bad.jsonnet", "error 'boom ' + std.extVar('blob')"));
                    break;
                case 1:
                    Assert.That(vm.EvaluateSnippetMulti("m.jsonnet", "{ a: " + Snippet + ", b: [1] }"), Has.Count.EqualTo(2));
                    break;
                default:
                    Assert.That(vm.EvaluateSnippet("leak.jsonnet", Snippet), Has.Length.GreaterThan(BlobBytes));
                    break;
            }
        });

        Assert.That(growth, Is.LessThan(AllowedGrowthBytes));
    }

    [Test]
    public void Creating_and_disposing_many_vms_gives_every_vm_back()
    {
        var growth = Measure(Evaluations / 2, (_, _) =>
        {
            using var vm = new JsonnetVm();
            vm.SetExtVar("blob", Blob);
            vm.AddLibraryPath("/tmp");
            vm.SetTlaCode("unused", "{}");
            Assert.That(vm.EvaluateSnippet("leak.jsonnet", Snippet), Has.Length.GreaterThan(BlobBytes));
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

        Run(40);
        var before = BytesInUseAfterFinalizers();
        var clock = Stopwatch.StartNew();
        Run(evaluations);
        var after = BytesInUseAfterFinalizers();
        TestContext.Out.WriteLine(
            $"{evaluations} evaluations on {Threads} threads in {clock.Elapsed.TotalSeconds:F1} s; C heap in use {before / 1048576.0:F2} MB -> " +
            $"{after / 1048576.0:F2} MB (growth {(after - before) / 1048576.0:F2} MB, allowed {AllowedGrowthBytes / 1048576.0:F0} MB)");
        return after - before;
    }

    // A VM that was not disposed is destroyed by its SafeHandle's finalizer: run those before reading.
    private static long BytesInUseAfterFinalizers()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return CHeap.BytesInUse();
    }
}
