using System.Net.Sockets;
using System.Text;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>Clients that ask for a large page and never read it: they share a few copies of it, not one each.</summary>
public class SlowScrapersTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    [Test]
    public async Task Twenty_stalled_scrapers_of_a_large_page_share_a_few_copies_of_it_and_the_memory_returns_when_they_leave()
    {
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(Broker, lane.ExporterArgs);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        const int Jobs = 4000;
        var f = new EventFactory("hangfire", "web-1");
        await using (var publisher = lane.Publisher(Broker))
        {
            for (var i = 0; i < Jobs; i++) publisher.TryPublish(f.Job(EventType.JobSucceeded, $"Big.Job{i / 4}", $"q{i % 4}") with { Runtime = 0.1 });
        }
        await Events.WaitForAppliedAsync(exporter, Jobs);
        var pageBytes = (await (await exporter.GetAsync("metrics")).Content.ReadAsByteArrayAsync()).Length;
        Assert.That(pageBytes, Is.GreaterThan(8 * 1024 * 1024), "the page must be larger than the socket buffers for a reader to stall");
        var before = await SettledHeapAsync(exporter);
        var stalled = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var client = new TcpClient();
                stalled.Add(client);
                await client.ConnectAsync("127.0.0.1", exporter.Port);
                var stream = client.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
                // It started answering; from now on this client never reads again.
                _ = await stream.ReadAsync(new byte[64]);
            }
            // A page rendered after the last of them connected (scrapes that come together share a copy for a second).
            var connected = (await exporter.ScrapeAsync()).Value("jobs_exporter_uptime_seconds")!.Value;
            var fresh = await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_uptime_seconds") > connected + 1.5, Events.Patience, "a page rendered after the stall");
            var during = fresh.Value("dotnet_total_memory_bytes")!.Value;
            TestContext.Out.WriteLine($"page {pageBytes / 1048576.0:F1} MB; heap {before / 1048576.0:F1} MB before, {during / 1048576.0:F1} MB with 20 stalled readers; RSS {ProcessMemory.Rss(exporter.ProcessId) / 1048576.0:F0} MB");
            // Twenty private copies would be 20 pages; at most 3 shared copies are alive (one of them the spare counted before).
            Assert.That(during - before, Is.LessThan(4.0 * pageBytes), "stalled readers must share copies of the page");
        }
        finally
        {
            foreach (var client in stalled) client.Dispose();
        }
        // Once they are gone, the heap comes back to where it was (a page or two of slack for the garbage collector's timing).
        var after = await exporter.WaitForMetricsAsync(m => m.Value("dotnet_total_memory_bytes") < before + 2.0 * pageBytes,
            Events.Patience, "the heap back down after the stalled readers left");
        TestContext.Out.WriteLine($"heap {after.Value("dotnet_total_memory_bytes")!.Value / 1048576.0:F1} MB after they left; RSS {ProcessMemory.Rss(exporter.ProcessId) / 1048576.0:F0} MB");
        Assert.That(exporter.HasExited, Is.False);
    }

    // The smallest heap over a few scrapes: garbage not yet collected comes and goes, live memory stays.
    private static async Task<double> SettledHeapAsync(ExporterProcess exporter)
    {
        var least = double.MaxValue;
        for (var i = 0; i < 5; i++) least = Math.Min(least, (await exporter.ScrapeAsync()).Value("dotnet_total_memory_bytes")!.Value);
        return least;
    }
}
