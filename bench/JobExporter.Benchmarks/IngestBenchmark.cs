using System.Diagnostics;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

/// <summary>One timed drain of a pre-filled queue by one consumer process.</summary>
internal sealed record IngestRun(string Consumer, int Round, long Events, double Seconds, double CpuSeconds, long PeakRssBytes, bool FromStart)
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
    /// <summary>How often progress is read: a /metrics scrape for the exporter, so not too often.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>The sidecar drains take seconds, not tens of them: sampled five times a second (a small page to scrape).</summary>
    public static readonly TimeSpan SidecarSampleInterval = TimeSpan.FromMilliseconds(200);

    /// <param name="exporterEnvironment">More environment for the exporter process (the sidecar's heap limit); null: none.</param>
    /// <param name="source">What is ingested; null: <see cref="IngestSource.Events"/>.</param>
    /// <param name="afterExporterDrain">Runs on the exporter after each of its drains, before it stops (round given).</param>
    public async Task<IngestResult> RunAsync(string label, IReadOnlyList<byte[]> messages, long events, int eventsPerMessage, int rounds,
        IReadOnlyDictionary<string, string>? exporterEnvironment = null, TimeSpan? sampleInterval = null, IngestSource? source = null,
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
                    var run = await MeasureAsync(consumer, round, events, sampleInterval ?? SampleInterval);
                    runs.Add(run);
                    log.WriteLine($"  ingest {label} round {round + 1}/{rounds} {run.Consumer,-13}: {run.EventsPerSecond,12:N0} events/s, " +
                        $"{run.CpuSecondsPerMillion:F2} CPU s per million, peak RSS {run.PeakRssBytes / 1048576.0:F0} MiB (load {ProcStats.LoadAverage1():F2})");
                    if (consumer is ExporterConsumer drained && afterExporterDrain is not null) await afterExporterDrain(drained, round);
                }
                await broker.PurgeAsync(queue);
            }
        }
        return new IngestResult(label, events, eventsPerMessage, messages.Count, runs, loadBefore, ProcStats.LoadAverage());
    }

    /// <summary>
    /// Samples (time, count, CPU) every <see cref="SampleInterval"/> until the count reaches the target. The rate runs
    /// from the first sample at or past a tenth of the target to the moment the count crossed the target, interpolated
    /// between the two samples around it: process start-up and the first fill of the prefetch window are left out of
    /// both sides alike. (From the first sample that saw any event, a consumer that starts faster was timed over more
    /// of its ramp-up than one whose first sample came later, which skewed the ratio against it.)
    /// </summary>
    internal static async Task<IngestRun> MeasureAsync(IConsumerProcess consumer, int round, long target, TimeSpan interval)
    {
        var clock = Stopwatch.StartNew();
        var samples = new List<(double T, long Count, double Cpu)>();
        var deadline = TimeSpan.FromMinutes(5);
        while (true)
        {
            var before = clock.Elapsed.TotalSeconds;
            var count = await consumer.CountAsync();
            var t = (before + clock.Elapsed.TotalSeconds) / 2;
            samples.Add((t, count, ProcStats.CpuSeconds(consumer.Pid)));
            if (count >= target) break;
            if (clock.Elapsed > deadline) throw new TimeoutException($"{consumer.Name}: only {count} of {target} events after {deadline}");
            await Task.Delay(interval);
        }
        var peak = ProcStats.PeakRssBytes(consumer.Pid);
        var first = samples.FindIndex(s => s.Count >= target / 10);
        if (first == samples.Count - 1) first = Math.Max(0, samples.FindIndex(s => s.Count > 0));
        var last = samples.Count - 1;
        if (first == last)
        {
            // Everything was consumed before the second sample: fall back to the time since the process started.
            var (t, _, cpu) = samples[last];
            return new IngestRun(consumer.Name, round, target, t, cpu, peak, FromStart: true);
        }
        var (t0, c0, cpu0) = samples[first];
        var (tp, cp, _) = samples[last - 1];
        var (tl, cl, cpuL) = samples[last];
        var crossed = tp + (tl - tp) * (target - cp) / (double)(cl - cp);
        return new IngestRun(consumer.Name, round, target - c0, crossed - t0, cpuL - cpu0, peak, FromStart: false);
    }
}
