using System.Globalization;
using System.Text;
using System.Xml.Linq;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

internal sealed record MachineInfo(int Cores, long MemoryBytes, string Cpu, string Os, string DotnetSdk, string Runtime,
    string LoadAtStart, IReadOnlyList<(string Package, string Version)> Packages, string Commit)
{
    public static async Task<MachineInfo> ReadAsync()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memKb = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"') ?? "Linux"
            : "Linux";
        var sdk = (await ProcessRunner.RunAsync("dotnet", ["--version"], timeout: TimeSpan.FromSeconds(30))).Output.Trim();
        var props = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Packages.props"));
        string[] wanted = ["RabbitMQ.Client", "prometheus-net", "Hangfire.Core", "Hangfire.InMemory", "Hangfire.PostgreSql", "Npgsql", "MassTransit", "BenchmarkDotNet"];
        var packages = props.Descendants("PackageVersion")
            .Select(p => ((string)p.Attribute("Include")!, (string)p.Attribute("Version")!))
            .Where(p => wanted.Contains(p.Item1)).ToList();
        var commit = (await ProcessRunner.RunAsync("git", ["-C", RepositoryPaths.Root, "rev-parse", "--short", "HEAD"], timeout: TimeSpan.FromSeconds(10))).Output.Trim();
        return new MachineInfo(Environment.ProcessorCount, memKb * 1024, cpu, os, sdk,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription, ProcStats.LoadAverage(), packages, commit);
    }
}

/// <summary>Writes docs/benchmarks.md from the results.</summary>
internal sealed class Report(BenchSettings settings, MachineInfo machine)
{
    public string RabbitMqVersion { get; set; } = "unknown";
    public List<IngestResult> IngestBatched { get; } = [];
    public IngestResult? IngestUnbatched { get; set; }
    public List<IngestResult> Sidecar { get; } = [];
    public List<IdleMemoryResult> SidecarIdle { get; set; } = [];
    public List<IdleMemoryResult> IdleNoLimit { get; set; } = [];
    public List<ScrapeResult> Scrapes { get; } = [];
    public CardinalityResult? Cardinality { get; set; }
    public CardinalityResult? CardinalityBaseline { get; set; }
    public EmitterResult? Emitters { get; set; }
    public CeleryIngestResult? Celery { get; set; }
    public CeleryRedisResult? CeleryRedis { get; set; }
    public ShardsResult? Shards { get; set; }
    public List<HttpIngestResult> HttpIngest { get; } = [];
    public HttpEmitterResult? HttpEmitter { get; set; }
    public ApplyResult? Apply { get; set; }
    public ApplyResult? HangfireHooks { get; set; }
    public double TotalMinutes { get; set; }
    public string LoadAtEnd { get; set; } = "";
    public List<string> Failures { get; } = [];

    private static string N(double v, string format = "N0") => v.ToString(format, CultureInfo.InvariantCulture);
    private static string MiB(double bytes) => N(bytes / 1048576.0, "N1") + " MiB";

    public string Render()
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmarks");
        md.AppendLine();
        md.AppendLine("Written by `make bench` (`scripts/bench.sh`, which builds `bench/JobExporter.Benchmarks` in Release and runs it); do not edit by hand.");
        md.AppendLine($"`make bench QUICK=1` runs the same with fewer events and rounds (a few minutes) and writes `.tmp/bench/benchmarks-quick.md` instead.");
        md.AppendLine("The machine is shared with other builds and tests, so every throughput is also given as a ratio against a baseline");
        md.AppendLine("measured in the same run, in interleaved rounds; figures are medians over the rounds. Read the ratios, not the absolute rates.");
        md.AppendLine();
        md.AppendLine("## Run");
        md.AppendLine();
        md.AppendLine($"- Command: `{settings.Command}` ({(settings.Quick ? "quick" : "full")} mode), {N(TotalMinutes, "F1")} minutes, commit {machine.Commit}");
        md.AppendLine($"- Machine: {machine.Cores} cores ({machine.Cpu}), {MiB(machine.MemoryBytes)} memory, {machine.Os}");
        md.AppendLine($"- Load average (1, 5, 15 min, runnable/total, last pid) at start: `{machine.LoadAtStart}`; at end: `{LoadAtEnd}`");
        md.AppendLine($"- .NET SDK {machine.DotnetSdk}, runtime {machine.Runtime}; the exporter measured: {ExporterConsumer.BuildName}, with its own GC settings (workstation, not concurrent, gen0 budget at most 0x{ExporterGcSettings.Gen0MaxBudget()} bytes), and so does the bare consumer");
        md.AppendLine($"- RabbitMQ {RabbitMqVersion.Replace('\n', ' ')} (a private node on a loopback port, started and stopped by the benchmark)");
        md.AppendLine($"- Packages: {string.Join(", ", machine.Packages.Select(p => $"{p.Package} {p.Version}"))}");
        md.AppendLine();
        foreach (var failure in Failures) md.AppendLine($"**Failed:** {failure}").AppendLine();
        RenderIngest(md);
        RenderHangfireHooks(md);
        RenderSidecar(md);
        RenderApply(md);
        RenderScrape(md);
        RenderCardinality(md);
        CeleryIngestBenchmark.Render(md, Celery);
        CeleryRedisBenchmark.Render(md, CeleryRedis);
        ShardsBenchmark.Render(md, Shards);
        RenderEmitters(md);
        HttpIngestBenchmark.Render(md, HttpIngest);
        HttpEmitterBenchmark.Render(md, HttpEmitter);
        return md.ToString();
    }

    private void RenderIngest(StringBuilder md)
    {
        if (IngestBatched.Count == 0) return;
        md.AppendLine("## Ingest");
        md.AppendLine();
        md.AppendLine("The realistic mix (job-sent, -received, -started with a wait, -succeeded, 5% -failed over 5 exception types; 200 job");
        md.AppendLine("names on 4 queues, 20 workers, a heartbeat every 50 events) is pre-published to a durable queue on the RabbitMQ node;");
        md.AppendLine("then the consumer starts and drains it. **Exporter**: the real binary (`src/JobExporter`, Release), which declared the queue");
        md.AppendLine("itself on a first start. **Bare consumer** (the baseline): a RabbitMQ.Client consumer in its own");
        md.AppendLine("process that parses the same bodies with the same `EventParser`, set as the exporter sets it (job ids checked, not kept), into a sink that only counts, and acknowledges in batches");
        md.AppendLine("as the exporter does (its `BatchAcknowledger`, same prefetch 1000, same GC settings), on an identically filled queue.");
        md.AppendLine(DrainTiming);
        md.AppendLine("Rounds alternate the order (exporter first, then bare first, ...).");
        md.AppendLine();
        md.AppendLine("| stream | consumer | events/s (median) | ratio exporter / bare | CPU s per million events | peak RSS | rounds |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in IngestBatched.Append(IngestUnbatched))
        {
            if (r is null) continue;
            var stream = r.EventsPerMessage == 1 ? $"unbatched: {N(r.Events)} events, 1 a message" : $"batched: {N(r.Events)} events, {r.EventsPerMessage} a message ({N(r.Messages)} messages)";
            foreach (var consumer in new[] { "exporter", "bare consumer" })
            {
                md.AppendLine($"| {stream} | {consumer} | {N(r.MedianRate(consumer))} | {(consumer == "exporter" ? "**" + N(r.MedianRatio, "F2") + "**" : "1 (baseline)")} | " +
                    $"{N(r.MedianCpuPerMillion(consumer), "F2")} | {MiB(r.MedianPeakRss(consumer))} | {r.Of(consumer).Count} |");
            }
        }
        md.AppendLine();
        md.AppendLine("Every round (events/s; the ratio is taken per round, exporter over the bare consumer of the same round, then the median):");
        md.AppendLine();
        RenderRounds(md, IngestBatched.Append(IngestUnbatched).OfType<IngestResult>().Select(r => (r.EventsPerMessage == 1 ? "unbatched" : $"batched x {r.EventsPerMessage}", r)));
        md.AppendLine($"Load average: {string.Join("; ", IngestBatched.Select(b => $"batched x {b.EventsPerMessage} `{b.LoadBefore}` -> `{b.LoadAfter}`"))}" +
            (IngestUnbatched is null ? "" : $"; unbatched `{IngestUnbatched.LoadBefore}` -> `{IngestUnbatched.LoadAfter}`") + ".");
        md.AppendLine($"The unbatched stream is smaller ({N(IngestUnbatched?.Events ?? 0)} events) because one event a message costs the broker far more per event.");
        md.AppendLine();
    }

    private void RenderHangfireHooks(StringBuilder md)
    {
        if (HangfireHooks is null) return;
        md.AppendLine("## Hangfire hooks per job (BenchmarkDotNet)");
        md.AppendLine();
        md.AppendLine("The CPU the Hangfire emitter takes on Hangfire's threads for one job: the hook calls Hangfire makes for a job that is");
        md.AppendLine("created, elected to Processing, performed and succeeds, on the emitter's real filters and real publisher (broker down, buffer");
        md.AppendLine("full: each event is built and offered to the buffer, which drops it). The baseline builds the same Hangfire contexts without the");
        md.AppendLine($"filters; the emitter's cost is the difference. {HangfireHooks.Job}; load at the end `{HangfireHooks.Load}`.");
        md.AppendLine();
        md.AppendLine("| case | ns per job (median) | ± (99.9% CI) | bytes allocated per job | time vs contexts only |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var c in HangfireHooks.Cases)
        {
            md.AppendLine($"| {c.Description} | {N(c.MedianNs, "F0")} | {N(c.ErrorNs, "F0")} | {N(c.BytesPerOp)} | {N(c.Ratio, "F2")} |");
        }
        md.AppendLine();
    }

    private void RenderSidecar(StringBuilder md)
    {
        if (Sidecar.Count == 0) return;
        md.AppendLine("## Sidecar workload");
        md.AppendLine();
        md.AppendLine($"What one worker pod's sidecar sees: {N(Sidecar[0].Events)} events (10 workers come online, then jobs of four events each:");
        md.AppendLine("sent, received, started with a wait, succeeded or 5% failed; 50 job names on 5 queues, 10 workers, a heartbeat every 200");
        md.AppendLine("job events), pre-published to the exporter's durable queue one event a message and 24 events a message. Measured as in");
        md.AppendLine("Ingest above (the real binary, timed as there, against the bare consumer with the same prefetch and ack mode on");
        md.AppendLine("an identical queue, rounds interleaved). CPU µs per event is utime+stime over the timed span divided by the events timed.");
        md.AppendLine($"As in its pod: the sidecar manifest limits the container to {N(SidecarPod.MemoryLimitBytes() / 1048576.0)} MiB, so the runtime caps the heap at " +
            $"{N(SidecarPod.HeapHardLimitPercent)}% of it, {N(SidecarPod.HeapHardLimitBytes() / 1048576.0)} MiB; the exporter gets that cap as `DOTNET_GCHeapHardLimit` here " +
            "(no container runs), the bare consumer has none. The run marked **no memory limit** gets no cap, as under `make run`, a systemd unit or a VM.");
        md.AppendLine($"The exporter build measured: **{ExporterConsumer.BuildName}**{(ExporterConsumer.ExtraEnvironment().Count > 0 ? $", with `{Environment.GetEnvironmentVariable("BENCH_EXPORTER_ENV")}`" : "")}.");
        md.AppendLine();
        md.AppendLine("Targets: ingest >= 0.9x the bare consumer in both shapes; <= 10 µs CPU per event with 24 events a message;");
        md.AppendLine("peak RSS <= 64 MiB on this run, with or without the limit, and <= 40 MiB idle.");
        md.AppendLine();
        md.AppendLine("| shape | consumer | events/s (median) | ratio exporter / bare | CPU µs per event | peak RSS | rounds |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in Sidecar)
        {
            var shape = $"{r.EventsPerMessage} event{(r.EventsPerMessage == 1 ? "" : "s")} a message ({N(r.Messages)} messages)" +
                (r.Label == SidecarPod.NoLimitLabel ? ", **no memory limit**" : "");
            foreach (var consumer in new[] { "exporter", "bare consumer" })
            {
                md.AppendLine($"| {shape} | {consumer} | {N(r.MedianRate(consumer))} | {(consumer == "exporter" ? "**" + N(r.MedianRatio, "F2") + "**" : "1 (baseline)")} | " +
                    $"{(consumer == "exporter" ? "**" + N(r.MedianCpuPerMillion(consumer), "F1") + "**" : N(r.MedianCpuPerMillion(consumer), "F1"))} | " +
                    $"{(consumer == "exporter" ? "**" + MiB(r.MedianPeakRss(consumer)) + "**" : MiB(r.MedianPeakRss(consumer)))} | {r.Of(consumer).Count} |");
            }
        }
        md.AppendLine();
        foreach (var idle in SidecarIdle)
        {
            md.AppendLine($"Idle, {idle.Build}: an exporter connected to an empty queue and scraped {idle.Scrapes} times, once a second: RSS **{MiB(idle.RssBytes)}**, " +
                $"peak {MiB(idle.PeakRssBytes)} (load `{idle.Load}`).");
            md.AppendLine();
        }
        foreach (var idle in IdleNoLimit)
        {
            md.AppendLine($"Idle without a memory limit, {idle.Build}: RSS **{MiB(idle.RssBytes)}**, peak {MiB(idle.PeakRssBytes)} after {idle.Scrapes} scrapes (load `{idle.Load}`).");
            md.AppendLine();
        }
        md.AppendLine("Every round:");
        md.AppendLine();
        RenderRounds(md, Sidecar.Select(r => (SidecarShape(r), r)));
        md.AppendLine($"Load average: {string.Join("; ", Sidecar.Select(r => $"{SidecarShape(r)} `{r.LoadBefore}` -> `{r.LoadAfter}`"))}.");
        md.AppendLine();
    }

    private static string SidecarShape(IngestResult r) =>
        (r.EventsPerMessage == 1 ? "1 a message" : $"{r.EventsPerMessage} a message") + (r.Label == SidecarPod.NoLimitLabel ? ", no limit" : "");

    /// <summary>Every round of ingest drains, one line each: what the medians and ratios above are taken over.</summary>
    internal static void RenderRounds(StringBuilder md, IEnumerable<(string Stream, IngestResult Result)> results)
    {
        md.AppendLine("| stream | round | consumer | events timed | seconds | end within | samples | events/s | CPU s | CPU µs per event | peak RSS |");
        md.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (stream, r) in results)
        {
            foreach (var run in r.Runs)
            {
                var endWithin = run.EndBracketMs == 0 ? "exact" : N(run.EndBracketMs, "F1") + " ms";
                md.AppendLine($"| {stream} | {run.Round + 1} | {run.Consumer} | {N(run.Events)} | {N(run.Seconds, "F3")} | {endWithin} | {run.Samples} | " +
                    $"{N(run.EventsPerSecond)}{(run.FromStart ? " (from process start)" : "")} | {N(run.CpuSeconds, "F2")} | {N(run.CpuSecondsPerMillion, "F1")} | {MiB(run.PeakRssBytes)} |");
            }
        }
        md.AppendLine();
    }

    /// <summary>How a drain is timed, for every section that measures drains.</summary>
    internal const string DrainTiming =
        "Each drain is timed from the first sample of the consumer's count at or past a tenth of N to the moment the count reached N,\n" +
        "so process start-up and the first fill of the prefetch window are left out of both sides alike. The bare consumer stamps\n" +
        "its count with its monotonic clock at its last event (it prints \"count N at T\" every 5 ms), so both ends of its drains\n" +
        "are exact. The exporter's count is `jobs_exporter_events_total`, scraped (the scrapes are part of its load, with every\n" +
        "series on the page) and timed by the page's own `jobs_exporter_uptime_seconds` (its monotonic clock as the page is\n" +
        "rendered, so a slow answer on a busy machine does not count): every 20 ms until it counts, then when its rate should\n" +
        "bring it past a tenth of N (at most 100 ms apart), then at a third of the time the rate so far leaves to N (2 ms to 1 s apart), so scrapes close\n" +
        "in on the end. The end is placed from the last scrape before it at the rate so far, never past the first scrape that read\n" +
        "N: \"end within\" in the rounds table is the gap between those two scrapes, the most that end can be off by; \"samples\"\n" +
        "counts the scrapes. CPU is utime+stime from `/proc/<pid>/stat` (10 ms ticks) over the timed span; peak RSS is `VmHWM` at\n" +
        "the end.";

    private void RenderApply(StringBuilder md)
    {
        if (Apply is null) return;
        md.AppendLine("## Apply path (BenchmarkDotNet)");
        md.AppendLine();
        md.AppendLine("From a message body already in memory to the updated metric, in-process: `EventParser.Parse` on a pre-serialized one-event");
        md.AppendLine("message into the real `EventApplier` (built from the exporter's own default options, with its `ExporterMetrics` registry),");
        md.AppendLine("for series that already exist (a warm-up pass creates every series of the mix first). Each event has its own id and the");
        md.AppendLine("id ring (200,000) is longer than the de-duplication window (100,000), so nothing is skipped as a duplicate.");
        md.AppendLine($"{Apply.Job}; load at the end `{Apply.Load}`.");
        md.AppendLine();
        md.AppendLine("| case | ns per event (median) | ± (99.9% CI) | bytes allocated per event | time vs parse only |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var c in Apply.Cases)
        {
            md.AppendLine($"| {c.Description} | {N(c.MedianNs, "F0")} | {N(c.ErrorNs, "F0")} | {N(c.BytesPerOp)} | {N(c.Ratio, "F2")} |");
        }
        md.AppendLine();
        md.AppendLine(AllocationNotes);
        md.AppendLine();
    }

    private void RenderScrape(StringBuilder md)
    {
        if (Scrapes.Count == 0) return;
        md.AppendLine("## Scrape and memory per series");
        md.AppendLine();
        md.AppendLine("Series come from distinct job names times hostnames; every series the stream can make (all counters with one");
        md.AppendLine("exception type, both runtime outcomes, the wait histogram, worker gauges) is created first, so the count does not move while");
        md.AppendLine("scraping. The exporter runs with `--metrics.max-values 1000000`. **Under ingest**: the series then a backlog of");
        md.AppendLine($"{N(settings.ScrapeBacklog)} mix events over them are pre-filled, the exporter is started, and once the series exist it is scraped");
        md.AppendLine("one scrape after another while it drains the backlog (only scrapes taken before the backlog ran out count). **Idle** (the");
        md.AppendLine("baseline): the same process, scraped the same number of times once the backlog is drained. Latency is the full GET with");
        md.AppendLine("the body read, from the benchmark process.");
        md.AppendLine("**Bytes per series**: RSS after the series were created minus RSS of the idle exporter just before, over the series count;");
        md.AppendLine("the same from the exporter's own `dotnet_total_memory_bytes` (its GC heap, garbage not yet collected included) and, with");
        md.AppendLine("`BENCH_GCDUMP=1` on the JIT build, from the live heap after a full collection (`dotnet-gcdump`).");
        md.AppendLine();
        md.AppendLine("| series (sample lines) | names x hosts | page size | idle median | idle p99 | under ingest median | under ingest p99 | ratio (median under ingest / idle) | scrapes under ingest | ingest while scraping | RSS before -> after | bytes per series (RSS) | GC heap before -> after | bytes per series (GC heap) | bytes per series (live heap) |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|");
        foreach (var s in Scrapes)
        {
            md.AppendLine($"| {N(s.Series)} | {s.Names} x {s.Hosts} | {N(s.PageBytes)} B | {N(Stats.Median(s.IdleMs), "F1")} ms | {N(Stats.Percentile(s.IdleMs, 0.99), "F1")} ms | " +
                $"{N(Stats.Median(s.LoadedMs), "F1")} ms | {N(Stats.Percentile(s.LoadedMs, 0.99), "F1")} ms | {N(Stats.Median(s.LoadedMs) / Stats.Median(s.IdleMs), "F2")} | " +
                $"{s.LoadedMs.Count} | {N(s.IngestRateWhileScraping)} events/s | {MiB(s.RssBefore)} -> {MiB(s.RssAfter)} | {N(s.BytesPerSeries)} | " +
                $"{(s.HeapBefore is { } hb && s.HeapAfter is { } ha ? $"{MiB(hb)} -> {MiB(ha)}" : "-")} | {(s.HeapBytesPerSeries is { } h ? N(h) : "-")} | " +
                $"{(s.LiveBytesPerSeries is { } l ? N(l) : "-")} |");
        }
        md.AppendLine();
        md.AppendLine($"Load average at the end of each: {string.Join("; ", Scrapes.Select(s => $"`{s.Load}`"))}. With at most {settings.Scrapes} scrapes (\"scrapes under ingest\" says how many drained with the backlog), a p99 is their slowest or close to it.");
        md.AppendLine();
    }

    private void RenderCardinality(StringBuilder md)
    {
        if (Cardinality is not { } c) return;
        md.AppendLine("## Memory under a flood of job names");
        md.AppendLine();
        md.AppendLine($"One job-succeeded for each of {N(c.DistinctNames)} distinct job names (20 hosts), with the default `--metrics.max-values {c.MaxValues}`:");
        md.AppendLine($"the first {N(c.MaxValues)} names get their own series, the rest are folded into `__other__`.");
        md.AppendLine();
        md.AppendLine("| point | RSS | peak RSS (VmHWM) | series on the page |");
        md.AppendLine("|---|---:|---:|---:|");
        md.AppendLine($"| idle exporter, before any event | {MiB(c.RssStart)} | | |");
        md.AppendLine($"| after the first {N(c.MaxValues)} names | {MiB(c.RssAfterCap)} | {MiB(c.PeakAfterCap)} | {N(c.SeriesAfterCap)} |");
        foreach (var (names, rss, peak) in c.Steps.SkipLast(1))
        {
            md.AppendLine($"| after {N(names)} names (while publishing) | {MiB(rss)} | {MiB(peak)} | |");
        }
        md.AppendLine($"| after all {N(c.DistinctNames)} names | {MiB(c.RssAfterAll)} | {MiB(c.PeakAfterAll)} | {N(c.SeriesAfterAll)} |");
        md.AppendLine();
        md.AppendLine($"Peak RSS after all names / RSS after the first {N(c.MaxValues)}: **{N((double)c.PeakAfterAll / c.RssAfterCap, "F2")}**; " +
            $"`jobs_exporter_label_overflow_total` {N(c.Overflow)}. Load at the end `{c.Load}`.");
        md.AppendLine();
        if (CardinalityBaseline is { } b)
        {
            md.AppendLine($"Baseline, in the same run: a fresh exporter fed as many events ({N(b.DistinctNames)}) that cycle through the first " +
                $"{N(b.MaxValues)} names only, so no name is ever new: RSS after all {MiB(b.RssAfterAll)}, peak {MiB(b.PeakAfterAll)}, series {N(b.SeriesAfterAll)}. " +
                $"Peak RSS with a million distinct names / peak RSS of the baseline: **{N((double)c.PeakAfterAll / b.PeakAfterAll, "F2")}** " +
                "(near 1 means the distinct names cost no memory of their own; what both runs grow by is the heap the garbage collector keeps for the event rate).");
            md.AppendLine();
        }
    }

    private void RenderEmitters(StringBuilder md)
    {
        if (Emitters is not { } e) return;
        md.AppendLine("## Emitter overhead");
        md.AppendLine();
        md.AppendLine("What the emitters cost the jobs, as a user sees it: the same job system with and without the emitter, variants in rotating");
        md.AppendLine("order each round, ratios taken within a round, then the median over rounds. Each emitter has reached its broker (or failed");
        md.AppendLine("to) before its round starts. Broker up: events go to the benchmark's RabbitMQ node, on the same 2 cores, routed to one");
        md.AppendLine("durable queue bound to everything (as an exporter's queue). Broker down: to a closed loopback port (the publisher buffers");
        md.AppendLine("and drops).");
        md.AppendLine();
        md.AppendLine($"**Hangfire** ({N(e.Hangfire.FirstOrDefault()?.Jobs ?? 0)} no-op jobs a round, in-memory storage, one server with 4 workers and");
        md.AppendLine("Hangfire's four default global filters, as a new server has them):");
        md.AppendLine("jobs/s from the first job performed to the last while the server drains the backlog, with the emitter's two filters");
        md.AppendLine("installed as a user installs them (with the broker up, the backlog's job-sent events are out before the server starts,");
        md.AppendLine("as the enqueueing is: the window is the server's work). CPU per job: this process's and the broker's CPU time from the first enqueue until");
        md.AppendLine("every event is confirmed, over the jobs (so enqueueing, Hangfire, the hooks, the publishes and the broker's routing and");
        md.AppendLine("storing); \"added\" is the difference from no emitter in the same round, then the median. What the hooks alone cost on");
        md.AppendLine("the job's thread is the `hooks` part. The two \"while draining\" columns split this process's CPU from the server's");
        md.AppendLine("start to its last job between Hangfire's 4 worker threads (where the hooks run) and everything else (the in-memory");
        md.AppendLine("storage's dispatcher thread, the publisher and RabbitMQ client on the thread pool, the garbage collector).");
        md.AppendLine("The last row is the baseline of earlier runs: no emitter and one filter only.");
        md.AppendLine("Hangfire sorts a job's filters at every stage when there are two or more, so against that baseline the emitter's first");
        md.AppendLine("filter was charged with a cost every server with its default filters pays anyway.");
        md.AppendLine();
        RenderHangfireRows(md, e.Hangfire);
        md.AppendLine();
        md.AppendLine($"**Hangfire on PostgreSQL storage** ({N(e.HangfirePostgres.FirstOrDefault()?.Jobs ?? 0)} no-op jobs a round, a fresh database each, on a");
        md.AppendLine("PostgreSQL server of the benchmark's own on the same 2 cores; otherwise as above): each job is a few transactions, as on");
        md.AppendLine("most production servers. Hangfire.PostgreSql does not hand job parameters to the worker, so here the emitter reads each");
        md.AppendLine("job's enqueued state once (one query a job) for its queue and wait; on in-memory storage it reads nothing.");
        md.AppendLine();
        RenderHangfireRows(md, e.HangfirePostgres);
        md.AppendLine();
        md.AppendLine($"**MassTransit** ({N(e.MassTransit.FirstOrDefault()?.Messages ?? 0)} messages a round, in-memory transport, one consumer at a time):");
        md.AppendLine("the gap between two consumed messages of a backlog, and the time of each `Send`, median and p99 over the messages,");
        md.AppendLine("then the median over rounds; \"added\" is the difference from no emitter, per round, then the median.");
        md.AppendLine();
        md.AppendLine("| variant | consume gap median | added | consume gap p99 | send median | added | send p99 | throughput ratio vs no emitter |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var g in e.MassTransit.GroupBy(r => r.Variant))
        {
            MassTransitRun Base(MassTransitRun r) => e.MassTransit.Single(b => b.Variant == EmitterVariant.None && b.Round == r.Round);
            md.AppendLine($"| {Name(g.Key)} | {N(Stats.Median(g.Select(r => r.ConsumeMedianMicros)), "F1")} µs | " +
                $"{(g.Key == EmitterVariant.None ? "-" : N(Stats.Median(g.Select(r => r.ConsumeMedianMicros - Base(r).ConsumeMedianMicros)), "F1") + " µs")} | " +
                $"{N(Stats.Median(g.Select(r => r.ConsumeP99Micros)), "F1")} µs | {N(Stats.Median(g.Select(r => r.SendMedianMicros)), "F1")} µs | " +
                $"{(g.Key == EmitterVariant.None ? "-" : N(Stats.Median(g.Select(r => r.SendMedianMicros - Base(r).SendMedianMicros)), "F1") + " µs")} | " +
                $"{N(Stats.Median(g.Select(r => r.SendP99Micros)), "F1")} µs | {N(Stats.Median(g.Select(r => Base(r).ConsumeMedianMicros / r.ConsumeMedianMicros)), "F2")} |");
        }
        md.AppendLine();
        md.AppendLine($"Load at the end `{e.Load}`.");
        md.AppendLine();
    }

    private static void RenderHangfireRows(StringBuilder md, IReadOnlyList<HangfireRun> runs)
    {
        md.AppendLine($"{runs.Count(r => r.Variant == EmitterVariant.None)} rounds. The ratio is the median of the rounds' ratios; the next column gives the lowest and the highest, the spread one round can show.");
        md.AppendLine();
        md.AppendLine("| variant | jobs/s | ratio vs no emitter | rounds' ratios | CPU per job here | broker CPU per job | CPU added per job (both) | while draining: on Hangfire's workers | rest of this process | published | dropped |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var g in runs.GroupBy(r => r.Variant))
        {
            HangfireRun Base(HangfireRun r) => runs.Single(b => b.Variant == EmitterVariant.None && b.Round == r.Round);
            var ratios = g.Select(r => r.JobsPerSecond / Base(r).JobsPerSecond).ToList();
            var ratio = Stats.Median(ratios);
            var added = Stats.Median(g.Select(r => r.ProcessCpuMicrosPerJob + r.BrokerCpuMicrosPerJob - Base(r).ProcessCpuMicrosPerJob - Base(r).BrokerCpuMicrosPerJob));
            md.AppendLine($"| {Name(g.Key)} | {N(Stats.Median(g.Select(r => r.JobsPerSecond)))} | {(g.Key == EmitterVariant.None ? "1 (baseline)" : "**" + N(ratio, "F2") + "**")} | " +
                $"{(g.Key == EmitterVariant.None ? "-" : N(ratios.Min(), "F2") + "–" + N(ratios.Max(), "F2"))} | " +
                $"{N(Stats.Median(g.Select(r => r.ProcessCpuMicrosPerJob)), "F1")} µs | {N(Stats.Median(g.Select(r => r.BrokerCpuMicrosPerJob)), "F1")} µs | " +
                $"{(g.Key == EmitterVariant.None ? "-" : N(added, "F1") + " µs")} | {N(Stats.Median(g.Select(r => r.WorkersCpuMicrosPerJob)), "F1")} µs | " +
                $"{N(Stats.Median(g.Select(r => r.RestCpuMicrosPerJob)), "F1")} µs | {N(Stats.Median(g.Select(r => (double)r.Published)))} | {N(Stats.Median(g.Select(r => (double)r.Dropped)))} |");
        }
    }

    private static string Name(EmitterVariant v) => v switch
    {
        EmitterVariant.None => "no emitter (baseline)",
        EmitterVariant.BrokerUp => "emitter, broker up",
        EmitterVariant.NoneOneFilter => "no emitter, one filter only (earlier baseline)",
        _ => "emitter, broker down",
    };

    private const string AllocationNotes = """
        Where the allocations come from (read from the code):

        1. **The parser makes a `JobEvent` and a string for the id of every event.** The label values (`system`, `hostname`,
           `name`, `queue`) and failure types are looked up by their UTF-8 bytes in a table of values already seen and reuse
           its string (done); `job_id` is checked as a string and not kept, since the exporter never uses it (done);
           `EventFields.ToEvent()` still allocates a `JobEvent` record (about 130 bytes) and `Utf8JsonReader.GetString()` the
           id. The "parse only" row is this cost alone. Left: hand the sink a `ref struct` or a reused event instead of a new
           record, and hash the id from its bytes.
        2. **The id kept for de-duplication** was a string held by the window; it is now a 64-bit hash in a ring (done), so the
           window keeps nothing for the garbage collector to trace.
        3. **Label arrays and `WithLabels` in `EventApplier`** were built per event; the applier now keeps each job's metric
           children per host (`JobSeries`) and an event for an existing series is one dictionary lookup (done: the "apply only"
           row allocates 0 bytes).
        4. **prometheus-net's `WithLabels` lookup** itself (the last row) is now off the hot path, by point 3.
        """;
}
