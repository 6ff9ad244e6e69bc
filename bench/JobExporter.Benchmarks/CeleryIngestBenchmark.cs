using System.Text;

namespace JobExporter.Benchmarks;

/// <summary>The Celery workload drained by the exporter (Celery source) and by the bare Celery consumer, and scrapes of the result.</summary>
internal sealed record CeleryIngestResult(IngestResult OneAMessage, IngestResult Lists, double ScrapeMedianMs, double ScrapeMaxMs, int Series);

internal sealed class CeleryIngestBenchmark(Broker broker, TextWriter log)
{
    private const int Scrapes = 10;

    /// <summary>The exporter's Celery source on the given queue (its main queue and exchange unused); the bare consumer reads every token.</summary>
    private static readonly IngestSource Celery = new(queue =>
        ["--celery.enabled", "--celery.queue", queue, "--broker.queue", queue + ".unused", "--broker.exchange", "bench.celery.unused"],
        BareConsumer.Payload.CeleryTokens);

    public async Task<CeleryIngestResult> RunAsync(int rounds)
    {
        var ingest = new IngestBenchmark(broker, log);
        var pages = new List<Scraper.Page>();
        // The scrape of the series the one-event-a-message workload made, after the last round's drain.
        async Task ScrapeAfterLastRound(ExporterConsumer exporter, int round)
        {
            if (round != rounds - 1) return;
            for (var i = 0; i < Scrapes; i++) pages.Add(await Scraper.GetAsync(exporter.Process.MetricsUrl));
            log.WriteLine($"  celery-single scrape of {pages[^1].Series:N0} series: median {Stats.Median(pages.Select(p => p.Milliseconds)):F1} ms");
        }
        var single = await ingest.RunAsync("celery-single", CeleryWorkload.Messages(1), CeleryWorkload.Events, 1, rounds,
            source: Celery, afterExporterDrain: ScrapeAfterLastRound);
        var lists = await ingest.RunAsync("celery-multi24", CeleryWorkload.Messages(24), CeleryWorkload.Events, 24, rounds, source: Celery);
        return new CeleryIngestResult(single, lists, Stats.Median(pages.Select(p => p.Milliseconds)), pages.Max(p => p.Milliseconds), pages[^1].Series);
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
        md.AppendLine("consumer**: a RabbitMQ.Client consumer that reads every JSON token of each message and counts its events, acknowledging");
        md.AppendLine("as the exporter does (same prefetch, batched acks, GC settings). celery-exporter 0.12.2 was measured on the same workload");
        md.AppendLine("elsewhere (../shared/celery/README.md): 4,000-7,200 events/s at 135-238 µs CPU per event one event a message, 11,300");
        md.AppendLine("events/s with task.multi x 24, peak RSS 155 MiB, a scrape of its 32.5k series 2.2-2.4 s.");
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
        Report.RenderRounds(md, [(r.OneAMessage.Label, r.OneAMessage), (r.Lists.Label, r.Lists)]);
        md.AppendLine($"Load average: one event a message `{r.OneAMessage.LoadBefore}` -> `{r.OneAMessage.LoadAfter}`; " +
            $"task.multi x 24 `{r.Lists.LoadBefore}` -> `{r.Lists.LoadAfter}`.");
        md.AppendLine();
    }
}
