using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>Floods of junk and crowds of scrapers: good events still all count, memory stays bounded, /metrics keeps answering.</summary>
public class HostileTrafficTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    // How often each simulated Prometheus server scrapes: pacing, not waiting for a condition.
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(1);

    [Test]
    public async Task A_flood_of_malformed_messages_neither_loses_good_events_nor_grows_memory_nor_blocks_metrics()
    {
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(Broker, lane.ExporterArgs);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        var rssBefore = ProcessMemory.Rss(exporter.ProcessId);

        const int junk = 100_000;
        const int good = 10_000;
        var f = new EventFactory("hangfire", "web-1");
        // Each kind of junk, with how many rejections one message of it causes.
        (string Body, int Rejections)[] kinds =
        [
            ("not json", 1),
            ("{\"v\":1,\"type\":\"job-sent\"", 1),
            ("[1,2,3]", 3),
            ("{\"v\":9,\"type\":\"job-sent\",\"id\":\"x\",\"ts\":1,\"system\":\"s\",\"hostname\":\"h\",\"name\":\"n\",\"queue\":\"q\"}", 1),
            ("{\"v\":1,\"type\":\"job-sent\",\"id\":\"x\",\"ts\":\"noon\",\"system\":\"s\",\"hostname\":\"h\",\"name\":\"n\",\"queue\":\"q\"}", 1),
        ];
        var rejections = Enumerable.Range(0, junk).Sum(i => kinds[i % kinds.Length].Rejections);
        var scrapes = 0;
        var scrapeFailures = new List<string>();
        using var stopScraping = new CancellationTokenSource();
        var scraper = Task.Run(async () =>
        {
            while (!stopScraping.IsCancellationRequested)
            {
                try
                {
                    await exporter.ScrapeAsync();
                    scrapes++;
                }
                catch (Exception ex)
                {
                    scrapeFailures.Add(ex.Message);
                }
                await Task.Delay(50);
            }
        });
        await using (var raw = await lane.RawPublisherAsync(Broker))
        {
            // One good event after every ten junk messages.
            await raw.PublishManyAsync(Enumerable.Range(0, junk).SelectMany(i => i % 10 == 0
                ? new[] { Encoding.UTF8.GetBytes(kinds[i % kinds.Length].Body), EventJson.Serialize(f.Job(EventType.JobSent, "Survivor.Job", "default")) }
                : [Encoding.UTF8.GetBytes(kinds[i % kinds.Length].Body)]));
        }
        var m = await exporter.WaitForMetricsAsync(mm => (mm.Value("jobs_exporter_events_invalid_total") ?? 0) >= rejections && Events.Applied(mm) >= good,
            TimeSpan.FromSeconds(180), "the flood handled");
        await stopScraping.CancelAsync();
        await scraper;
        var rssAfter = ProcessMemory.Rss(exporter.ProcessId);

        TestContext.Out.WriteLine($"RSS {rssBefore / 1048576.0:F1} MB -> {rssAfter / 1048576.0:F1} MB; {scrapes} scrapes during the flood, {scrapeFailures.Count} failed");
        Assert.That(m.Value("jobs_sent_total", ("name", "Survivor.Job")), Is.EqualTo(good));
        Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(rejections));
        Assert.That(scrapeFailures, Is.Empty);
        Assert.That(scrapes, Is.GreaterThan(0));
        Assert.That(rssAfter - rssBefore, Is.LessThan(150L * 1024 * 1024), "junk must not accumulate in memory");
    }

    [Test]
    public async Task A_stalled_scraper_and_a_crowd_of_scrapers_do_not_stall_ingest()
    {
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(Broker, lane.ExporterArgs);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        // Enough series (a page of about 15 MB) that the page does not fit in the socket buffers, so a reader
        // that stops reading holds its response open for good.
        const int Warmup = 4000;
        var f = new EventFactory("hangfire", "web-1");
        await using (var publisher = lane.Publisher(Broker))
        {
            for (var i = 0; i < Warmup; i++) publisher.TryPublish(f.Job(EventType.JobSucceeded, $"Warmup.Job{i / 4}", $"q{i % 4}") with { Runtime = 0.1 });
        }
        await Events.WaitForAppliedAsync(exporter, Warmup);

        using var stalled = new TcpClient();
        await stalled.ConnectAsync("127.0.0.1", exporter.Port);
        var stream = stalled.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        var firstBytes = new byte[64];
        _ = await stream.ReadAsync(firstBytes); // it started answering; now it never reads again
        var pageBytes = (await (await exporter.GetAsync("metrics")).Content.ReadAsByteArrayAsync()).Length;
        Assert.That(pageBytes, Is.GreaterThan(8 * 1024 * 1024), "the page must be larger than the socket buffers for the reader to stall");

        using var stop = new CancellationTokenSource();
        // Twenty Prometheus servers scraping every 250 ms: far more than any real set-up.
        long bytes = 0;
        var crowd = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                // Read the page as Prometheus does, without parsing it here: the test must not eat the CPU it measures.
                using var response = await exporter.GetAsync("metrics");
                var page = await response.Content.ReadAsByteArrayAsync();
                Interlocked.Add(ref bytes, page.Length);
                count++;
                await Task.Delay(ScrapeInterval, CancellationToken.None);
            }
            return count;
        })).ToList();

        const int fresh = 20_000;
        var watch = Stopwatch.StartNew();
        // The crowd runs in this process too: connecting and flushing can outlast the default 5 s flush, which would drop
        // the events here, not in the exporter. Every one must reach the broker before the exporter is judged.
        var freshPublisher = lane.Publisher(Broker, flushTimeout: TimeSpan.FromMinutes(2));
        await using (freshPublisher)
        {
            for (var i = 0; i < fresh; i++)
            {
                // New names create new series while the stalled response is still open.
                freshPublisher.TryPublish(f.Job(EventType.JobSent, $"Fresh.Job{i % 500}", "default"));
            }
        }
        Assert.That((freshPublisher.Published, freshPublisher.Dropped), Is.EqualTo(((long)fresh, 0L)), "every fresh event confirmed by the broker");
        // Generous: a stalled ingest never gets there, a busy CI machine gets there late.
        await exporter.WaitForMetricsAsync(mm => Events.Applied(mm) >= Warmup + fresh, TimeSpan.FromSeconds(180), "ingest beside the stalled reader");
        watch.Stop();
        await stop.CancelAsync();
        var scrapes = (await Task.WhenAll(crowd)).Sum();
        TestContext.Out.WriteLine($"{fresh} events applied in {watch.Elapsed.TotalSeconds:F1} s beside one stalled reader and 5 scrapers ({scrapes} scrapes, {bytes / 1048576.0:F0} MB read)");
        Assert.That((await exporter.ScrapeAsync()).Value("jobs_sent_total"), Is.EqualTo(fresh));
    }
}
