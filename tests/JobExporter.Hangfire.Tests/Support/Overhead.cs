using System.Collections.Concurrent;
using System.Diagnostics;

namespace JobExporter.Hangfire.Tests.Support;

/// <summary>What the emitter's hooks cost, from the calls a <see cref="TimingFilter"/> recorded.</summary>
internal sealed record Overhead(int Jobs, double MedianMicrosecondsPerJob, double P99MicrosecondsPerJob, double LongestCallMilliseconds)
{
    public static Overhead Of(ConcurrentBag<(string JobId, long Ticks)> calls)
    {
        var perJob = calls.GroupBy(c => c.JobId).Select(g => Micro(g.Sum(c => c.Ticks))).Order().ToArray();
        return new Overhead(perJob.Length, perJob[perJob.Length / 2], perJob[(int)(perJob.Length * 0.99)],
            calls.Max(c => c.Ticks) * 1000.0 / Stopwatch.Frequency);
    }

    private static double Micro(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    public override string ToString() =>
        $"emitter overhead over {Jobs} jobs: median {MedianMicrosecondsPerJob:F1} µs/job, p99 {P99MicrosecondsPerJob:F1} µs/job, longest hook call {LongestCallMilliseconds:F2} ms";
}
