using System.Diagnostics;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

/// <summary>One timed drain of a pre-filled queue by one consumer process.</summary>
/// <param name="EndBracketMs">The most the end can be off by: 0 when the consumer told when it reached the count.</param>
/// <param name="Samples">Samples taken of its progress (scrapes of /metrics for the exporter).</param>
internal sealed record IngestRun(string Consumer, int Round, long Events, double Seconds, double CpuSeconds, long PeakRssBytes, bool FromStart,
    double EndBracketMs, int Samples)
{
    public double EventsPerSecond => Events / Seconds;
    public double CpuSecondsPerMillion => CpuSeconds / Events * 1_000_000;
}

/// <summary>The exporter against the bare consumer on identical pre-filled queues, rounds interleaved.</summary>
internal sealed record IngestResult(string Label, long Events, int EventsPerMessage, int Messages, IReadOnlyList<IngestRun> Runs, string LoadBefore, string LoadAfter)
{
    public IReadOnlyList<IngestRun> Of(string consumer) => Runs.Where(r => r.Consumer == consumer).ToList();
    public double MedianRate(string consumer) => Stats.Median(Of(consumer).Select(r => r.EventsPerSecond));
    public double MedianCpuPerMillion(string consumer) => Stats.Median(Of(consumer).Select(r => r.CpuSecondsPerMillion));
    public double MedianPeakRss(string consumer) => Stats.Median(Of(consumer).Select(r => (double)r.PeakRssBytes));

    /// <summary>Exporter rate over bare-consumer rate, per round (both measured back to back), then the median.</summary>
    public double MedianRatio => Stats.Median(Runs.GroupBy(r => r.Round).Select(g =>
        g.Single(r => r.Consumer == "exporter").EventsPerSecond / g.Single(r => r.Consumer == "bare consumer").EventsPerSecond));
}

/// <summary>
/// What a drain feeds the exporter: the flags that make it consume the given queue, and the bare consumer's reading of
/// the same messages.
/// </summary>
internal sealed record IngestSource(Func<string, string[]> ExporterFlags, BareConsumer.Payload BarePayload)
{
    /// <summary>Our own events on the exporter's main queue.</summary>
    public static IngestSource Events { get; } = new(queue => ["--broker.queue", queue], BareConsumer.Payload.Events);
}

internal sealed class IngestBenchmark(Broker broker, TextWriter log)
{
    /// <param name="exporterEnvironment">More environment for the exporter process (the sidecar's heap limit); null: none.</param>
    /// <param name="source">What is ingested; null: <see cref="IngestSource.Events"/>.</param>
    /// <param name="afterExporterDrain">Runs on the exporter after each of its drains, before it stops (round given).</param>
    public async Task<IngestResult> RunAsync(string label, IReadOnlyList<byte[]> messages, long events, int eventsPerMessage, int rounds,
        IReadOnlyDictionary<string, string>? exporterEnvironment = null, IngestSource? source = null,
        Func<ExporterConsumer, int, Task>? afterExporterDrain = null)
    {
        source ??= IngestSource.Events;
        var loadBefore = ProcStats.LoadAverage();
        var exporterQueue = $"bench.{label}.exporter";
        var bareQueue = $"bench.{label}.bare";
        Task<ExporterConsumer> StartExporter(string queue) =>
            ExporterConsumer.StartWithArgsAsync(ExporterConsumer.Program, exporterEnvironment, broker.Url, source.ExporterFlags(queue));
        // The exporter declares its own queue: start it once, wait until it consumes, stop it.
        await using (var declare = await StartExporter(exporterQueue))
        {
            await declare.Process.WaitUntilAsync(async () => (await declare.Process.GetAsync("readyz")).IsSuccessStatusCode,
                TimeSpan.FromSeconds(30), "the exporter to connect");
        }
        await broker.DeclareLikeExporterAsync(bareQueue);

        var runs = new List<IngestRun>();
        for (var round = 0; round < rounds; round++)
        {
            // ABBA order, so that drift in the machine's load falls on both sides.
            var exporterFirst = round % 2 == 0;
            foreach (var exporter in exporterFirst ? new[] { true, false } : [false, true])
            {
                var queue = exporter ? exporterQueue : bareQueue;
                await broker.FillAsync(queue, messages);
                IConsumerProcess consumer = exporter ? await StartExporter(queue) : BareConsumerProcess.Start(broker.Url, queue, source.BarePayload);
                await using (consumer)
                {
                    var run = await MeasureAsync(consumer, round, events);
                    runs.Add(run);
                    log.WriteLine($"  ingest {label} round {round + 1}/{rounds} {run.Consumer,-13}: {run.EventsPerSecond,12:N0} events/s, " +
                        $"{run.CpuSecondsPerMillion:F2} CPU s per million, peak RSS {run.PeakRssBytes / 1048576.0:F0} MiB, {run.Seconds:F3} s, " +
                        $"end within {run.EndBracketMs:F1} ms, {run.Samples} samples (load {ProcStats.LoadAverage1():F2})");
                    if (consumer is ExporterConsumer drained && afterExporterDrain is not null) await afterExporterDrain(drained, round);
                }
                await broker.PurgeAsync(queue);
            }
        }
        return new IngestResult(label, events, eventsPerMessage, messages.Count, runs, loadBefore, ProcStats.LoadAverage());
    }

    /// <summary>
    /// Samples (progress, CPU) until the count reaches the target: every <see cref="RampUpPoll"/> until the consumer counts,
    /// then when the rate so far should bring it to a tenth of the target, then at a third of the time the rate so far
    /// leaves to the target (between <see cref="MinPoll"/> and <see cref="MaxPoll"/>), so that samples close in on the end. The rate runs from the first sample at or past a tenth
    /// of the target (process start-up and the first fill of the prefetch window are left out of both sides alike) to the
    /// moment the count reached the target. A consumer that tells when it reached a count (the bare consumer) gives both
    /// moments exactly; for one read by scraping (the exporter) the end is placed from the last sample before it, at the
    /// rate so far, and never past the first sample that read the target: <see cref="IngestRun.EndBracketMs"/> is the
    /// gap between those two, the most the end can be off by.
    /// </summary>
    internal static async Task<IngestRun> MeasureAsync(IConsumerProcess consumer, int round, long target)
    {
        var samples = new List<(Progress P, double Cpu)>();
        var deadline = Stopwatch.StartNew();
        var timeout = TimeSpan.FromMinutes(5);
        var startAt = target / 10;
        while (true)
        {
            var progress = await consumer.ProgressAsync();
            samples.Add((progress, ProcStats.CpuSeconds(consumer.Pid)));
            if (progress.Count >= target) break;
            if (deadline.Elapsed > timeout) throw new TimeoutException($"{consumer.Name}: only {progress.Count} of {target} events after {timeout}");
            await Task.Delay(NextPoll(samples.Select(s => s.P).ToList(), startAt, target));
        }
        var peak = ProcStats.PeakRssBytes(consumer.Pid);
        var (last, cpuLast) = samples[^1];
        var first = samples.FindIndex(s => s.P.Count >= startAt);
        if (first == samples.Count - 1)
        {
            // Everything was consumed before a sample saw a tenth of it: fall back to the time since the consumer was started
            // (on this process's clock: measuring starts as soon as it is).
            return new IngestRun(consumer.Name, round, target, deadline.Elapsed.TotalSeconds, cpuLast, peak, FromStart: true,
                EndBracketMs: 0, Samples: samples.Count);
        }
        var (start, cpuStart) = samples[first];
        var before = samples[^2].P;
        // With no sample between the start and the one before the end, the rate is taken from the first sample that counted.
        var rate = before == start ? Rate(samples.First(s => s.P.Count > 0).P, before) : Rate(start, before);
        var (end, bracket) = last.ReachedAt ? (last.Seconds, 0.0)
            : !(rate > 0) || double.IsInfinity(rate) ? (last.Seconds, last.Seconds - before.Seconds)
            : (Math.Clamp(before.Seconds + (target - before.Count) / rate, before.Seconds, last.Seconds), last.Seconds - before.Seconds);
        return new IngestRun(consumer.Name, round, target - start.Count, end - start.Seconds, cpuLast - cpuStart, peak, FromStart: false,
            EndBracketMs: bracket * 1000, Samples: samples.Count);
    }

    /// <summary>Polls while the consumer starts, until it has counted events to take a rate over.</summary>
    public static readonly TimeSpan RampUpPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>The longest gap between samples before the start: the start then comes soon after a tenth of the target.</summary>
    public static readonly TimeSpan StartPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>The closest two samples come near the end: what bounds how far off the end can be for a scraped consumer.</summary>
    public static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// The longest gap between samples in a drain's middle, where they change nothing in the result but the deadline: few
    /// scrapes, because each is work for the exporter (a page of every series) on the cores it drains with.
    /// </summary>
    public static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(1);

    private static TimeSpan NextPoll(List<Progress> samples, long startAt, long target)
    {
        // Before the start: aim just past a tenth of the target (the start's moment is exact whenever it comes, so no need to
        // poll fast for it). After: at a third of what is left, closing in on the end.
        var first = samples.FindIndex(p => p.Count >= startAt);
        var started = first >= 0;
        var anchor = started ? first : samples.FindIndex(p => p.Count > 0);
        if (anchor < 0 || anchor == samples.Count - 1) return RampUpPoll;
        var rate = Rate(samples[anchor], samples[^1]);
        // Not yet a second moment to take a rate over (the bare consumer's line had not changed): as while starting.
        if (!(rate > 0) || double.IsInfinity(rate)) return RampUpPoll;
        var left = started ? (target - samples[^1].Count) / rate / 3 : (startAt - samples[^1].Count) / rate;
        // A drain speeds up as the prefetch window fills, so the rate so far overshoots the tenth: aimed at in short steps.
        var (min, max) = started ? (MinPoll, MaxPoll) : (RampUpPoll, StartPoll);
        return TimeSpan.FromSeconds(Math.Clamp(left, min.TotalSeconds, max.TotalSeconds));
    }

    private static double Rate(Progress from, Progress to) => (to.Count - from.Count) / (to.Seconds - from.Seconds);
}
