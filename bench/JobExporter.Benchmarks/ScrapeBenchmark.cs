using System.Diagnostics;

namespace JobExporter.Benchmarks;

internal sealed record ScrapeResult(int Names, int Hosts, int SetupEvents, int Series, long PageBytes,
    IReadOnlyList<double> IdleMs, IReadOnlyList<double> LoadedMs, int LoadedSeries, long LoadedPageBytes,
    double IngestRateWhileScraping, long RssBefore, long RssAfter, string Load,
    long? HeapBefore = null, long? HeapAfter = null, long? LiveBefore = null, long? LiveAfter = null)
{
    public double BytesPerSeries => (RssAfter - RssBefore) / (double)Series;

    /// <summary>The same from the exporter's dotnet_total_memory_bytes (the GC heap, garbage included).</summary>
    public double? HeapBytesPerSeries => HeapAfter - HeapBefore is { } grown ? grown / (double)Series : null;

    /// <summary>The same from the live heap after a full collection (BENCH_GCDUMP=1, JIT build).</summary>
    public double? LiveBytesPerSeries => LiveAfter - LiveBefore is { } grown ? grown / (double)Series : null;
}

/// <summary>
/// /metrics latency and size at a given number of series, idle and while a backlog is being ingested, and the
/// memory each series costs. Series come from distinct job names times hostnames (every series the mix can make is
/// created first, so the count does not move while scraping); --metrics.max-values is raised above them.
/// </summary>
internal sealed class ScrapeBenchmark(Broker broker, TextWriter log)
{
    public async Task<ScrapeResult> RunAsync(int names, int hosts, int backlogEvents, int scrapes)
    {
        var workload = new Workload(names, hosts, exceptions: [Workload.Exceptions[0]], seed: names);
        var setup = workload.EverySeries();
        var backlog = workload.Mix(backlogEvents);
        var queue = $"bench.scrape.{names}x{hosts}";
        string[] flags = ["--metrics.max-values", "1000000"];

        // Phase 1: series created on a running exporter: memory before and after, series count and page size.
        long rssBefore, rssAfter;
        long? heapBefore, heapAfter, liveBefore, liveAfter;
        var dumps = Path.Combine(JobExporter.Testing.RepositoryPaths.Root, ".tmp", "bench", "gcdump");
        int series;
        long pageBytes;
        var idle = new List<double>();
        await using (var exporter = await ExporterConsumer.StartAsync(broker.Url, queue, flags))
        {
            await exporter.Process.WaitUntilAsync(async () => (await exporter.Process.GetAsync("readyz")).IsSuccessStatusCode,
                TimeSpan.FromSeconds(30), "the exporter to connect");
            await Task.Delay(2000);
            rssBefore = ProcStats.RssBytes(exporter.Pid);
            heapBefore = await HeapReader.PageHeapAsync(exporter.Process.MetricsUrl);
            liveBefore = await HeapReader.LiveHeapAsync(exporter.Pid, Path.Combine(dumps, $"scrape-{names}x{hosts}-before.txt"), log);
            await broker.FillOrDrainAsync(queue, Workload.Messages(setup, 100));
            await Scraper.WaitForEventsAsync(exporter.Process.MetricsUrl, setup.Count, TimeSpan.FromMinutes(5));
            await Task.Delay(1000);
            rssAfter = ProcStats.RssBytes(exporter.Pid);
            heapAfter = await HeapReader.PageHeapAsync(exporter.Process.MetricsUrl);
            liveAfter = await HeapReader.LiveHeapAsync(exporter.Pid, Path.Combine(dumps, $"scrape-{names}x{hosts}-after.txt"), log);
            var page = await Scraper.GetAsync(exporter.Process.MetricsUrl);
            series = page.Series;
            pageBytes = page.Bytes;
        }

        // Phase 2: the same series then a backlog, pre-filled; scrapes while the backlog drains, then idle ones.
        await broker.FillAsync(queue, Workload.Messages([.. setup, .. backlog], 100));
        var loaded = new List<double>();
        int loadedSeries = 0;
        long loadedBytes = 0;
        double rate;
        var total = setup.Count + backlog.Count;
        await using (var exporter = await ExporterConsumer.StartAsync(broker.Url, queue, flags))
        {
            await Scraper.WaitForEventsAsync(exporter.Process.MetricsUrl, setup.Count, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(200));
            var clock = Stopwatch.StartNew();
            long firstCount = -1, lastCount = 0;
            double firstT = 0, lastT = 0;
            while (loaded.Count < scrapes && clock.Elapsed < TimeSpan.FromMinutes(3))
            {
                var t = clock.Elapsed.TotalSeconds;
                var page = await Scraper.GetAsync(exporter.Process.MetricsUrl);
                var applied = page.EventsApplied;
                if (applied >= total) break; // drained: what follows would be idle
                loaded.Add(page.Milliseconds);
                loadedSeries = page.Series;
                loadedBytes = page.Bytes;
                if (firstCount < 0) (firstCount, firstT) = (applied, t);
                (lastCount, lastT) = (applied, t);
            }
            rate = lastT > firstT ? (lastCount - firstCount) / (lastT - firstT) : double.NaN;
            await Scraper.WaitForEventsAsync(exporter.Process.MetricsUrl, total, TimeSpan.FromMinutes(5));
            // The baseline: the same process, warm, once the backlog is drained and nothing arrives.
            await Task.Delay(1000);
            for (var i = 0; i < scrapes; i++)
            {
                idle.Add((await Scraper.GetAsync(exporter.Process.MetricsUrl)).Milliseconds);
            }
        }
        var result = new ScrapeResult(names, hosts, setup.Count, series, pageBytes, idle, loaded, loadedSeries, loadedBytes, rate,
            rssBefore, rssAfter, ProcStats.LoadAverage(), heapBefore, heapAfter, liveBefore, liveAfter);
        log.WriteLine($"  scrape {series:N0} series ({names} names x {hosts} hosts): idle median {Stats.Median(idle):F1} ms, " +
            $"under ingest median {Stats.Median(loaded):F1} ms p99 {Stats.Percentile(loaded, 0.99):F1} ms over {loaded.Count} scrapes, " +
            $"{pageBytes:N0} bytes, {result.BytesPerSeries:F0} bytes/series (RSS), " +
            $"{result.HeapBytesPerSeries:F0} (GC heap), {result.LiveBytesPerSeries:F0} (live heap after a full collection), ingest {rate:N0} events/s while scraping");
        return result;
    }
}

internal sealed record CardinalityResult(int DistinctNames, int MaxValues, long RssStart, long RssAfterCap, long PeakAfterCap,
    long RssAfterAll, long PeakAfterAll, int SeriesAfterCap, int SeriesAfterAll, double Overflow, string Load,
    IReadOnlyList<(int Names, long Rss, long Peak)> Steps);

/// <summary>
/// One job-succeeded for each of a million distinct job names, through the default label cap. The baseline
/// (<paramref name="repeatNames"/>) sends as many events but cycles through the first names only, so that what the
/// distinct names cost is the difference between the two runs, not the garbage collector's appetite for a busy heap.
/// </summary>
internal sealed class CardinalityBenchmark(Broker broker, TextWriter log)
{
    public async Task<CardinalityResult> RunAsync(int distinctNames, bool repeatNames = false, int maxValues = 1000)
    {
        var workload = new Workload(names: 1, hosts: 20);
        var queue = repeatNames ? "bench.cardinality.baseline" : "bench.cardinality";
        await using var exporter = await ExporterConsumer.StartAsync(broker.Url, queue, "--metrics.max-values", maxValues.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await exporter.Process.WaitUntilAsync(async () => (await exporter.Process.GetAsync("readyz")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the exporter to connect");
        await Task.Delay(2000);
        var rssStart = ProcStats.RssBytes(exporter.Pid);

        await broker.FillOrDrainAsync(queue, Workload.Messages(workload.DistinctNames(0, maxValues), 100));
        await Scraper.WaitForEventsAsync(exporter.Process.MetricsUrl, maxValues, TimeSpan.FromMinutes(5));
        await Task.Delay(1000);
        var rssCap = ProcStats.RssBytes(exporter.Pid);
        var peakCap = ProcStats.PeakRssBytes(exporter.Pid);
        var seriesCap = (await Scraper.GetAsync(exporter.Process.MetricsUrl)).Series;

        // The rest in slices, so that the benchmark itself never holds a million events at once.
        var slice = Math.Max(distinctNames / 5, 1000);
        var steps = new List<(int, long, long)>();
        for (var first = maxValues; first < distinctNames; first += slice)
        {
            var count = Math.Min(slice, distinctNames - first);
            var events = repeatNames
                ? Enumerable.Range(first, count).Select(i => workload.DistinctNames(i % maxValues, 1)[0]).ToList()
                : workload.DistinctNames(first, count);
            await broker.FillOrDrainAsync(queue, Workload.Messages(events, 100));
            await Scraper.WaitForEventsAsync(exporter.Process.MetricsUrl, first + count, TimeSpan.FromMinutes(10));
            steps.Add((first + count, ProcStats.RssBytes(exporter.Pid), ProcStats.PeakRssBytes(exporter.Pid)));
        }
        await Task.Delay(1000);
        var page = await Scraper.GetAsync(exporter.Process.MetricsUrl);
        var result = new CardinalityResult(distinctNames, maxValues, rssStart, rssCap, peakCap,
            ProcStats.RssBytes(exporter.Pid), ProcStats.PeakRssBytes(exporter.Pid), seriesCap, page.Series,
            page.Sum("jobs_exporter_label_overflow_total"), ProcStats.LoadAverage(), steps);
        log.WriteLine($"  cardinality{(repeatNames ? " baseline (first names repeated)" : "")}: RSS after {maxValues:N0} names {rssCap / 1048576.0:F0} MiB (peak {peakCap / 1048576.0:F0}), " +
            $"after {distinctNames:N0} names {result.RssAfterAll / 1048576.0:F0} MiB (peak {result.PeakAfterAll / 1048576.0:F0}); " +
            $"series {seriesCap:N0} -> {page.Series:N0}; overflow {result.Overflow:N0}");
        return result;
    }
}
