using System.Diagnostics;
using System.Text;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

/// <summary>The Celery workload drained by the exporter (Celery source) and by the bare Celery consumer, and scrapes of the result.</summary>
internal sealed record CeleryIngestResult(IngestResult OneAMessage, IngestResult Lists, double ScrapeMedianMs, double ScrapeMaxMs, int Series);

internal sealed class CeleryIngestBenchmark(Broker broker, TextWriter log)
{
    private const int Scrapes = 10;

    public async Task<CeleryIngestResult> RunAsync(int rounds)
    {
        var (single, scrape) = await RunAsync("celery-single", CeleryWorkload.Messages(1), 1, rounds);
        var (lists, _) = await RunAsync("celery-multi24", CeleryWorkload.Messages(24), 24, rounds);
        return new CeleryIngestResult(single, lists, Stats.Median(scrape.Select(p => p.Milliseconds)), scrape.Max(p => p.Milliseconds), scrape[^1].Series);
    }

    private static string[] ExporterArgs(string queue) =>
        ["--celery.enabled", "--celery.queue", queue, "--broker.queue", queue + ".unused", "--broker.exchange", "bench.celery.unused"];

    private async Task<(IngestResult, List<Scraper.Page>)> RunAsync(string label, IReadOnlyList<byte[]> messages, int perMessage, int rounds)
    {
        var loadBefore = ProcStats.LoadAverage();
        var exporterQueue = $"bench.{label}.exporter";
        var bareQueue = $"bench.{label}.bare";
        // The exporter declares its Celery queue itself: start it once, wait until the queue exists, stop it.
        await using (var declare = await ExporterProcess.StartAsync(broker.Url, ExporterArgs(exporterQueue)))
        {
            await declare.WaitUntilAsync(async () =>
            {
                try
                {
                    await broker.CountAsync(exporterQueue);
                    return true;
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), "the exporter to declare its Celery queue");
        }
        await broker.DeclareLikeExporterAsync(bareQueue);

        var runs = new List<IngestRun>();
        var pages = new List<Scraper.Page>();
        for (var round = 0; round < rounds; round++)
        {
            var exporterFirst = round % 2 == 0;
            foreach (var exporter in exporterFirst ? new[] { true, false } : [false, true])
            {
                var queue = exporter ? exporterQueue : bareQueue;
                await broker.FillAsync(queue, messages);
                IConsumerProcess consumer = exporter
                    ? new ExporterConsumer(await ExporterProcess.StartAsync(broker.Url, ExporterArgs(queue)))
                    : CeleryBareConsumerProcess.Start(broker.Url, queue);
                await using (consumer)
                {
                    var run = await IngestBenchmark.MeasureAsync(consumer, round, CeleryWorkload.Events, IngestBenchmark.SampleInterval);
                    runs.Add(run);
                    log.WriteLine($"  {label} round {round + 1}/{rounds} {run.Consumer,-13}: {run.EventsPerSecond,12:N0} events/s, " +
                        $"{run.CpuSecondsPerMillion:F2} CPU s per million, peak RSS {run.PeakRssBytes / 1048576.0:F0} MiB (load {ProcStats.LoadAverage1():F2})");
                    if (consumer is ExporterConsumer e && perMessage == 1 && round == rounds - 1)
                    {
                        for (var i = 0; i < Scrapes; i++) pages.Add(await Scraper.GetAsync(e.Process.MetricsUrl));
                        log.WriteLine($"  {label} scrape of {pages[^1].Series:N0} series: median {Stats.Median(pages.Select(p => p.Milliseconds)):F1} ms");
                    }
                }
                await broker.PurgeAsync(queue);
            }
        }
        return (new IngestResult(label, CeleryWorkload.Events, perMessage, messages.Count, runs, loadBefore, ProcStats.LoadAverage()), pages);
    }

    /// <summary>The Celery section of docs/benchmarks.md, with celery-exporter 0.12.2's figures from the same workload.</summary>
    public static void Render(StringBuilder md, CeleryIngestResult? r)
    {
        if (r is null) return;
        string N(double v, string f = "N0") => v.ToString(f, System.Globalization.CultureInfo.InvariantCulture);
        md.AppendLine("## Celery events");
        md.AppendLine();
        md.AppendLine($"The Celery workload ({N(CeleryWorkload.Events)} events: 50,000 tasks x task-sent, -received, -started, -succeeded or 5 % -failed,");
        md.AppendLine("and 1,010 worker heartbeats; 50 task names, 5 queues, 10 workers), in Celery 5.2.6's wire form, pre-published to the queue");
        md.AppendLine("and drained as in Ingest above. **Exporter**: the real binary with `--celery.enabled`, its Celery source consuming. **Bare");
        md.AppendLine("consumer**: a RabbitMQ.Client consumer that reads every JSON token of each message and counts its events, acking one by one");
        md.AppendLine("(same prefetch). celery-exporter 0.12.2 was measured on the same workload elsewhere (../shared/celery/README.md): 4,000-7,200");
        md.AppendLine("events/s at 135-238 µs CPU per event one event a message, 11,300 events/s with task.multi x 24, peak RSS 155 MiB, a scrape");
        md.AppendLine("of its 32.5k series 2.2-2.4 s.");
        md.AppendLine();
        md.AppendLine("| stream | consumer | events/s (median) | ratio exporter / bare | µs CPU per event | peak RSS | x celery-exporter's rate |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var (result, theirs, name) in new[] { (r.OneAMessage, 7_200.0, "one event a message"), (r.Lists, 11_300.0, "task.multi x 24") })
        {
            foreach (var consumer in new[] { "exporter", "bare consumer" })
            {
                var ratio = consumer == "exporter" ? $"**{N(result.MedianRatio, "F2")}**" : "1 (baseline)";
                var vsTheirs = consumer == "exporter" ? $"**{N(result.MedianRate(consumer) / theirs, "F1")}** (vs {N(theirs)})" : "";
                md.AppendLine($"| {name} ({N(result.Messages)} messages) | {consumer} | {N(result.MedianRate(consumer))} | {ratio} | " +
                    $"{N(result.MedianCpuPerMillion(consumer), "F1")} | {N(result.MedianPeakRss(consumer) / 1048576.0, "F0")} MiB | {vsTheirs} |");
            }
        }
        md.AppendLine();
        md.AppendLine($"Scrape of the exporter after the one-event-a-message drain ({N(r.Series)} series): median {N(r.ScrapeMedianMs, "F1")} ms, " +
            $"max {N(r.ScrapeMaxMs, "F1")} ms over {Scrapes} scrapes. The ratio to celery-exporter is against its best figure (7,200 and 11,300 events/s).");
        md.AppendLine();
        md.AppendLine("| stream | round | consumer | events/s | CPU s | peak RSS |");
        md.AppendLine("|---|---:|---|---:|---:|---:|");
        foreach (var result in new[] { r.OneAMessage, r.Lists })
        {
            foreach (var run in result.Runs)
            {
                md.AppendLine($"| {result.Label} | {run.Round + 1} | {run.Consumer} | {N(run.EventsPerSecond)}{(run.FromStart ? " (from process start)" : "")} | " +
                    $"{N(run.CpuSeconds, "F2")} | {N(run.PeakRssBytes / 1048576.0, "F0")} MiB |");
            }
        }
        md.AppendLine();
    }
}

/// <summary>The <see cref="CeleryBareConsumer"/> as its own process (server GC, as the exporter).</summary>
internal sealed class CeleryBareConsumerProcess : IConsumerProcess
{
    private readonly Process _process;
    private long _count;

    private CeleryBareConsumerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("count ", StringComparison.Ordinal))
            {
                Volatile.Write(ref _count, long.Parse(line.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) Console.Error.WriteLine($"bare-celery-consumer: {e.Data}");
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name => "bare consumer";
    public int Pid => _process.Id;

    public static CeleryBareConsumerProcess Start(Uri broker, string queue)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { typeof(CeleryBareConsumer).Assembly.Location, "bare-celery-consumer", broker.ToString(), queue, "1000" })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_gcServer"] = "1";
        return new CeleryBareConsumerProcess(Process.Start(info)!);
    }

    public Task<long> CountAsync()
    {
        if (_process.HasExited) throw new InvalidOperationException($"the bare Celery consumer exited with {_process.ExitCode}");
        return Task.FromResult(Volatile.Read(ref _count));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Posix.Terminate(_process.Id);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }
}
