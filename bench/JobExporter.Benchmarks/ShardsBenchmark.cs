using System.Diagnostics;
using System.Text;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

/// <summary>One exporter's share of a run: its workers, how long it took to drain its queue, CPU and memory.</summary>
internal sealed record ShardExporterResult(int Workers, long Jobs, double Seconds, double CpuSeconds, long RssBytes, long PeakRssBytes,
    int Series, int JobSeries, double LabelOverflow)
{
    public long Events => Workers + Jobs * ShardedSidecars.EventsPerJob;
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>A run of one shape (4 sharded exporters, or 1 central one) over the same workload.</summary>
internal sealed record ShardShapeResult(string Shape, IReadOnlyList<ShardExporterResult> Exporters, double Seconds, double PublishSeconds,
    IReadOnlyDictionary<string, double> Totals, long Jobs)
{
    public bool Exact => Totals.Values.All(v => v == Jobs);
    public long Events => Exporters.Sum(e => e.Events);
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>
/// The jobs_* series of one exporter for W workers and N job names of the workload (one queue, one system, all jobs
/// succeeding): PerWorkerAndName x W x N + PerName x N + PerWorker x W + Fixed, fitted on four small central runs.
/// </summary>
internal sealed record SeriesModel(double PerWorkerAndName, double PerName, double PerWorker, double Fixed)
{
    public double Predict(double workers, double names) => PerWorkerAndName * workers * names + PerName * names + PerWorker * workers + Fixed;
}

/// <summary>What a Prometheus scraping an exporter of many series holds, against one scraping an idle exporter (baseline).</summary>
internal sealed record PrometheusMemory(double HeadSeries, double IdleHeadSeries, long RssBytes, long IdleRssBytes, int Samples)
{
    public double BytesPerSeries => (RssBytes - IdleRssBytes) / (HeadSeries - IdleHeadSeries);
}

internal sealed record ShardsResult(int Workers, int JobNames, ShardShapeResult Sharded, ShardShapeResult Central, SeriesModel Series,
    PrometheusMemory? Prometheus, string Load);

/// <summary>
/// `BENCH_ONLY=shards make bench`: sidecars sharded by binding keys, simulated (see <see cref="ShardedSidecars"/>). The same
/// workload (workers x job names, one succeeded job each: 4 events) is pre-published to the queues of 4 exporters, each bound
/// with <c>*.*.&lt;hostname&gt;</c> to a quarter of the workers, then of 1 central exporter bound with <c>#</c> (the baseline,
/// measured in the same run); each exporter is then started and drains its queue. The drain ends at the exporter's last busy 100 ms
/// (more than 30 % of a core) with its queue empty; CPU is its whole life up to then (start and drain, no scrape); RSS
/// is read when one scrape has shown its counts complete.
/// </summary>
internal sealed class ShardsBenchmark(Broker broker, TextWriter log)
{

    public async Task<ShardsResult> RunAsync(int workers, int jobNames)
    {
        var sharded = await RunShapeAsync(workers, jobNames, 4);
        var central = await RunShapeAsync(workers, jobNames, 1);
        var model = await FitSeriesAsync();
        var prometheus = await MeasurePrometheusAsync();
        return new ShardsResult(workers, jobNames, sharded, central, model, prometheus, ProcStats.LoadAverage());
    }

    // Prometheus's RSS after 30 scrapes (1 s apart) of a central exporter of 250 workers x 40 job names, against the same
    // Prometheus build scraping an exporter that saw no event, both in this run.
    private async Task<PrometheusMemory> MeasurePrometheusAsync()
    {
        const int samples = 30;
        log.WriteLine("  Prometheus memory per series (30 scrapes, 1 s apart)");
        await using var run = await ShardedSidecars.StartAsync(broker.Url, 250, 40, 1, ExporterConsumer.Program);
        await using var idleRun = await ShardedSidecars.StartAsync(broker.Url, 1, 1, 1, ExporterConsumer.Program);
        await run.PublishAsync();
        await run.WaitForShardAsync(run.Shards[0], TimeSpan.FromMinutes(5));
        await using var busy = await PrometheusServer.StartAsync(new Dictionary<string, string[]> { ["jobexporter"] = [$"127.0.0.1:{run.Shards[0].Exporter.Port}"] }, []);
        await using var idle = await PrometheusServer.StartAsync(new Dictionary<string, string[]> { ["jobexporter"] = [$"127.0.0.1:{idleRun.Shards[0].Exporter.Port}"] }, []);
        async Task<MetricsSnapshot> Own(PrometheusServer p)
        {
            using var http = new HttpClient();
            return MetricsSnapshot.Parse(await http.GetStringAsync(new Uri(p.BaseUrl, "metrics")));
        }
        MetricsSnapshot b, i;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            (b, i) = (await Own(busy), await Own(idle));
            var series = b.Value("prometheus_tsdb_head_series") ?? 0;
            if (series > 0 && (b.Value("prometheus_tsdb_head_samples_appended_total") ?? 0) >= samples * series
                && (i.Value("prometheus_tsdb_head_samples_appended_total") ?? 0) >= samples * (i.Value("prometheus_tsdb_head_series") ?? 1)) break;
            if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException("Prometheus did not take 30 scrapes in 3 minutes:\n" + busy.Output);
            await Task.Delay(1000);
        }
        var result = new PrometheusMemory(b.Value("prometheus_tsdb_head_series")!.Value, i.Value("prometheus_tsdb_head_series")!.Value,
            (long)b.Value("process_resident_memory_bytes")!.Value, (long)i.Value("process_resident_memory_bytes")!.Value, samples);
        log.WriteLine($"  Prometheus: {result.HeadSeries:N0} head series, RSS {result.RssBytes / 1048576.0:F0} MiB; idle {result.IdleHeadSeries:N0} series, " +
            $"RSS {result.IdleRssBytes / 1048576.0:F0} MiB: {result.BytesPerSeries:N0} bytes per series");
        return result;
    }

    // s(W, N) at W, N = 10 and 20: four runs give the four coefficients exactly.
    private async Task<SeriesModel> FitSeriesAsync()
    {
        async Task<double> SeriesAsync(int w, int n)
        {
            await using var run = await ShardedSidecars.StartAsync(broker.Url, w, n, 1, ExporterConsumer.Program);
            await run.PublishAsync(publishers: 1);
            var page = await run.WaitForShardAsync(run.Shards[0], TimeSpan.FromMinutes(2));
            return JobSeries(page);
        }
        double s11 = await SeriesAsync(10, 10), s21 = await SeriesAsync(20, 10), s12 = await SeriesAsync(10, 20), s22 = await SeriesAsync(20, 20);
        var a = (s22 - s12 - (s21 - s11)) / 100;
        var c = (s21 - s11) / 10 - 10 * a;
        var b = (s12 - s11) / 10 - 10 * a;
        var d = s11 - 100 * a - 10 * b - 10 * c;
        var model = new SeriesModel(a, b, c, d);
        log.WriteLine($"  series = {a} x workers x names + {b} x names + {c} x workers + {d}");
        return model;
    }

    private static int JobSeries(MetricsSnapshot page) =>
        page.All.Count(s => s.Name.StartsWith("jobs_", StringComparison.Ordinal) && !s.Name.StartsWith("jobs_exporter_", StringComparison.Ordinal));

    private async Task<ShardShapeResult> RunShapeAsync(int workers, int jobNames, int exporters)
    {
        var shape = exporters == 1 ? "1 central exporter (#)" : $"{exporters} sharded exporters (*.*.<hostname>)";
        log.WriteLine($"Shards: {workers:N0} workers x {jobNames} job names, {shape}");
        await using var run = await ShardedSidecars.StartAsync(broker.Url, workers, jobNames, exporters, ExporterConsumer.Program);
        await run.StopAsync();
        var published = await run.PublishAsync();
        if (published.Dropped > 0) throw new InvalidOperationException($"The publisher dropped {published.Dropped} events.");
        log.WriteLine($"  published {published.Confirmed:N0} events in {published.Elapsed.TotalSeconds:F1} s");

        var watch = Stopwatch.StartNew();
        await run.StartAgainAsync();
        var results = await Task.WhenAll(run.Shards.Select(async shard =>
        {
            var (page, seconds, cpu) = await DrainAsync(run, shard, watch);
            var pid = shard.Exporter.ProcessId;
            return (page, new ShardExporterResult(shard.Hostnames.Count, shard.Jobs(jobNames), seconds, cpu,
                ProcStats.RssBytes(pid), ProcStats.PeakRssBytes(pid), page.All.Count, JobSeries(page), page.Value("jobs_exporter_label_overflow_total") ?? 0));
        }));
        var totals = ShardedSidecars.Counters.ToDictionary(c => c, c => ShardedSidecars.Sum(results.Select(r => r.page), c));
        // The shape is done when its last exporter is.
        var result = new ShardShapeResult(shape, results.Select(r => r.Item2).ToList(), results.Max(r => r.Item2.Seconds), published.Elapsed.TotalSeconds, totals, run.Jobs);
        foreach (var (e, i) in result.Exporters.Select((e, i) => (e, i)))
        {
            log.WriteLine($"  exporter {i}: {e.Workers} workers, {e.Jobs:N0} jobs in {e.Seconds:F1} s ({e.EventsPerSecond:N0} events/s), CPU {e.CpuSeconds:F2} s, " +
                $"RSS {e.RssBytes / 1048576.0:F0} MiB (peak {e.PeakRssBytes / 1048576.0:F0}), {e.Series:N0} series ({e.JobSeries:N0} jobs_*), overflow {e.LabelOverflow}");
        }
        log.WriteLine($"  totals {string.Join(", ", totals.Select(t => $"{t.Key}={t.Value:N0}"))} of {run.Jobs:N0}: {(result.Exact ? "exact" : "NOT EXACT")}");
        if (!result.Exact) throw new InvalidOperationException($"The pages summed to {string.Join(", ", totals.Values)}, not {run.Jobs} each.");
        return result;
    }

    // The drain ends when the exporter's CPU goes quiet with its queue empty: scraping a 100k-series page to find out
    // would cost it more CPU than the drain. One scrape then checks the counts (and the wait goes on if they fall short).
    // Busy means more than 30 % of a core over a 100 ms sample; the exporter's timers use far less.
    private static async Task<(MetricsSnapshot Page, double Seconds, double CpuSeconds)> DrainAsync(ShardedSidecars run, ShardedSidecars.Shard shard,
        Stopwatch watch)
    {
        var pid = shard.Exporter.ProcessId;
        var lastCpu = ProcStats.CpuSeconds(pid);
        var (busyAt, cpuAtBusy) = (watch.Elapsed, lastCpu);
        var deadline = watch.Elapsed + TimeSpan.FromMinutes(10);
        while (watch.Elapsed < deadline)
        {
            await Task.Delay(100);
            var cpu = ProcStats.CpuSeconds(pid);
            if (cpu - lastCpu > 0.03) (busyAt, cpuAtBusy) = (watch.Elapsed, cpu);
            lastCpu = cpu;
            if (watch.Elapsed - busyAt < TimeSpan.FromMilliseconds(500) || await run.ReadyMessagesAsync([shard]) > 0) continue;
            var page = await shard.Exporter.ScrapeAsync();
            if (run.IsComplete(shard, page)) return (page, busyAt.TotalSeconds, cpuAtBusy);
            lastCpu = ProcStats.CpuSeconds(pid);
        }
        throw new TimeoutException($"{shard.Queue} did not count all its jobs within 10 minutes.");
    }

    public static void Render(StringBuilder md, ShardsResult? r)
    {
        if (r is null) return;
        string N(double v, string f = "N0") => v.ToString(f, System.Globalization.CultureInfo.InvariantCulture);
        md.AppendLine("## Sharded sidecars, simulated");
        md.AppendLine();
        md.AppendLine($"{N(r.Workers)} workers x {r.JobNames} job names: a heartbeat per worker and one succeeded job per worker and name " +
            $"({N((double)r.Workers * r.JobNames)} jobs, {N(r.Central.Events)} events), published by the real `EventPublisher` with routing keys " +
            "`hangfire.<type>.<hostname>` into the exporters' queues while they are stopped; then the exporters start and drain them. " +
            "**Sharded**: 4 exporters, each bound with `*.*.<hostname>` to a quarter of the workers. **Central** (baseline, same run): one " +
            "exporter bound with `#`. A drain ends at the exporter's last busy 100 ms (over 30 % of a core) with its queue empty, from the " +
            "moment the exporters were started; CPU is each exporter's life up to then (start and drain; the scrape that then checks its " +
            "counts is not in it); RSS is read after that scrape. " +
            "The pages summed equal the published totals exactly in both shapes (the run fails otherwise).");
        md.AppendLine();
        md.AppendLine("| shape | exporter | workers | jobs | drain s | events/s | CPU s | RSS | peak RSS | series (jobs_*) | label overflow |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var shape in new[] { r.Sharded, r.Central })
        {
            foreach (var (e, i) in shape.Exporters.Select((e, i) => (e, i)))
            {
                md.AppendLine($"| {shape.Shape} | {i} | {N(e.Workers)} | {N(e.Jobs)} | {N(e.Seconds, "F1")} | {N(e.EventsPerSecond)} | {N(e.CpuSeconds, "F2")} | " +
                    $"{N(e.RssBytes / 1048576.0, "F0")} MiB | {N(e.PeakRssBytes / 1048576.0, "F0")} MiB | {N(e.Series)} ({N(e.JobSeries)}) | {N(e.LabelOverflow)} |");
            }
        }
        md.AppendLine();
        var shardCpu = r.Sharded.Exporters.Sum(e => e.CpuSeconds);
        var centralCpu = r.Central.Exporters.Sum(e => e.CpuSeconds);
        md.AppendLine($"All {r.Sharded.Exporters.Count} shards done in {N(r.Sharded.Seconds, "F1")} s ({N(r.Sharded.EventsPerSecond)} events/s together), " +
            $"the central exporter in {N(r.Central.Seconds, "F1")} s ({N(r.Central.EventsPerSecond)} events/s): ratio sharded / central " +
            $"**{N(r.Sharded.EventsPerSecond / r.Central.EventsPerSecond, "F2")}** on this machine's 2 cores; CPU summed over the shards " +
            $"{N(shardCpu, "F2")} s vs {N(centralCpu, "F2")} s central (ratio {N(shardCpu / centralCpu, "F2")}). Load at the end: {r.Load}.");
        md.AppendLine();
        md.AppendLine($"Publishing (one RabbitMQ node, classic queues, publisher confirms, 2 publishers of batches of up to 200 events, one message per " +
            $"routing key): {N(r.Sharded.Events / r.Sharded.PublishSeconds)} events/s into the 4 sharded queues, {N(r.Central.Events / r.Central.PublishSeconds)} " +
            "events/s into the central one.");
        md.AppendLine();
        var m = r.Series;
        md.AppendLine($"**Series per worker and job name** (jobs_* only, one queue, jobs that succeed; fitted on four central runs of 10 and 20 " +
            $"workers x 10 and 20 names): series = **{N(m.PerWorkerAndName, "F0")}** x workers x names + **{N(m.PerName, "F0")}** x names + " +
            $"**{N(m.PerWorker, "F0")}** x workers + {N(m.Fixed, "F0")}. For the central run above it predicts {N(m.Predict(r.Workers, r.JobNames))} " +
            $"series; the page had {N(r.Central.Exporters[0].JobSeries)}.");
        md.AppendLine();
        if (r.Prometheus is { } p)
        {
            md.AppendLine($"**Prometheus memory per series** ({p.Samples} scrapes 1 s apart of a central exporter of 250 workers x 40 names, " +
                $"against a Prometheus of the same build scraping an exporter that saw no event): {N(p.HeadSeries)} head series, RSS " +
                $"{N(p.RssBytes / 1048576.0, "F0")} MiB vs {N(p.IdleRssBytes / 1048576.0, "F0")} MiB for {N(p.IdleHeadSeries)}: **{N(p.BytesPerSeries)} bytes per series** " +
                "(head chunks of 30 samples; a longer-running Prometheus keeps more per series until its chunks are cut at 120 samples).");
            md.AppendLine();
        }
    }
}
