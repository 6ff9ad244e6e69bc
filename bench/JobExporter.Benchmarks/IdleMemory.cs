namespace JobExporter.Benchmarks;

/// <summary>RSS of an exporter that is connected and scraped but gets no events: what a quiet sidecar costs.</summary>
internal sealed record IdleMemoryResult(string Build, long RssBytes, long PeakRssBytes, int Scrapes, string Load);

internal static class IdleMemory
{
    /// <summary>How long the idle exporter is watched: long enough for start-up garbage to be collected.</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(20);

    /// <summary>The build under measurement and, when that is the NativeAOT executable and <paramref name="alsoJit"/>, the JIT build beside it.</summary>
    public static async Task<List<IdleMemoryResult>> MeasureAsync(Broker broker, IReadOnlyDictionary<string, string> environment, TextWriter log,
        bool alsoJit = true)
    {
        var results = new List<IdleMemoryResult> { await MeasureAsync(ExporterConsumer.Program, ExporterConsumer.BuildName, environment, broker, log) };
        if (alsoJit && ExporterConsumer.Program is not null) results.Add(await MeasureAsync(null, "JIT (dotnet JobExporter.dll)", environment, broker, log));
        return results;
    }

    private static async Task<IdleMemoryResult> MeasureAsync(string? program, string build, IReadOnlyDictionary<string, string> environment, Broker broker,
        TextWriter log)
    {
        await using var exporter = await ExporterConsumer.StartBuildAsync(program, environment, broker.Url, "bench.idle.exporter");
        await exporter.Process.WaitUntilAsync(async () => (await exporter.Process.GetAsync("readyz")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), "the exporter to connect");
        // Scraped every second, as Prometheus would (more often than a real 15 s interval).
        var scrapes = 0;
        var start = DateTime.UtcNow;
        while (DateTime.UtcNow - start < Watch)
        {
            await Scraper.GetAsync(exporter.Process.MetricsUrl);
            scrapes++;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var result = new IdleMemoryResult(build, ProcStats.RssBytes(exporter.Pid), ProcStats.PeakRssBytes(exporter.Pid), scrapes, ProcStats.LoadAverage());
        log.WriteLine($"  idle exporter, {build}: RSS {result.RssBytes / 1048576.0:F1} MiB, peak {result.PeakRssBytes / 1048576.0:F1} MiB after {scrapes} scrapes");
        return result;
    }
}
