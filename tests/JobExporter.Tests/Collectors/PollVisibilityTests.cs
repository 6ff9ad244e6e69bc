using System.Diagnostics;
using JobExporter.Collectors;
using JobExporter.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobExporter.Tests.Collectors;

/// <summary>
/// A scrape that lands while a collector is polling must see the previous poll or the new one, never a mix:
/// a backlog with no servers beside it, or queue lengths without <c>collector_success</c>, reads as an outage.
/// </summary>
public class PollVisibilityTests
{
    private const int Queues = 40;

    [Test]
    public async Task A_scrape_racing_polls_sees_each_poll_whole_or_not_at_all()
    {
        var exporter = new TestExporter();
        using var collector = new NumberingCollector(exporter.Metrics);
        await collector.StartAsync(CancellationToken.None);
        var pollsSeen = new HashSet<double>();
        var clock = Stopwatch.StartNew();
        try
        {
            // Scrape until many different polls were seen, so that scrapes really overlapped polls.
            while (pollsSeen.Count < 50 && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                var page = exporter.Scrape();
                var lengths = Enumerable.Range(0, Queues).Select(q => page.Value("jobs_queue_length", ("queue", $"q{q}"))).ToList();
                var servers = page.Value("jobs_hangfire_servers");
                var success = page.Value("jobs_exporter_collector_success", ("collector", NumberingCollector.CollectorName));
                if (success is null)
                {
                    Assert.That(lengths.Append(servers), Is.All.Null, "a page without the first poll's success shows none of its values");
                    continue;
                }
                Assert.That(lengths, Is.All.EqualTo(servers), $"every value on one page comes from the same poll:\n{page.Text}");
                Assert.That(page.Has("jobs_exporter_collector_duration_seconds", ("collector", NumberingCollector.CollectorName)));
                pollsSeen.Add(servers!.Value);
            }
        }
        finally
        {
            await collector.StopAsync(CancellationToken.None);
        }
        Assert.That(pollsSeen, Has.Count.GreaterThanOrEqualTo(50), "scrapes saw many polls");
    }

    /// <summary>Writes its poll's number into every value, yielding between values as slow I/O would.</summary>
    private sealed class NumberingCollector(ExporterMetrics metrics)
        : PollingCollector(metrics, TimeProvider.System, NullLogger.Instance)
    {
        public const string CollectorName = "numbering";
        private int _polls;

        protected override string Name => CollectorName;
        protected override TimeSpan Interval => TimeSpan.FromMilliseconds(1);
        protected override TimeSpan Timeout => TimeSpan.FromSeconds(30);

        protected override async Task PollAsync(PollSnapshot values, CancellationToken cancellationToken)
        {
            var poll = ++_polls;
            for (var q = 0; q < Queues; q++)
            {
                values.Set(Metrics.QueueLength, poll, "test", $"q{q}");
                await Task.Yield();
            }
            values.Set(Metrics.HangfireServers, poll);
        }
    }
}
