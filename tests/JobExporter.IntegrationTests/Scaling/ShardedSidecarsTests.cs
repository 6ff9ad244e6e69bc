using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Scaling;

/// <summary>
/// Exporters sharded by binding keys (<c>*.*.&lt;hostname&gt;</c>): each counts only its own workers, and the pages
/// summed give the published totals exactly. `BENCH_ONLY=shards make bench` runs the same at 1,000 workers x 100 job names.
/// </summary>
public class ShardedSidecarsTests
{
    [Test]
    public async Task Four_exporters_bound_to_their_own_workers_sum_to_the_published_totals_and_see_no_other_worker()
    {
        const int workers = 100, jobNames = 20, exporters = 4;
        await using var shards = await ShardedSidecars.StartAsync(SharedBroker.Node.AmqpUrl, workers, jobNames, exporters);
        var published = await shards.PublishAsync();
        Assert.That(published.Dropped, Is.Zero);
        Assert.That(published.Confirmed, Is.EqualTo(shards.Events));

        var pages = await shards.WaitForTotalsAsync(TimeSpan.FromMinutes(2));
        Assert.Multiple(() =>
        {
            foreach (var metric in new[] { "jobs_sent_total", "jobs_received_total", "jobs_started_total", "jobs_succeeded_total" })
            {
                Assert.That(ShardedSidecars.Sum(pages, metric), Is.EqualTo(shards.Jobs), $"{metric} summed over the {exporters} pages");
            }
            Assert.That(ShardedSidecars.Sum(pages, "jobs_exporter_events_total"), Is.EqualTo(shards.Events));
            Assert.That(ShardedSidecars.Sum(pages, "jobs_workers_alive"), Is.EqualTo(workers), "each worker is up on exactly one exporter");
        });
        for (var k = 0; k < exporters; k++)
        {
            var page = pages[k];
            var hostnames = page.Find("jobs_succeeded_total").Select(s => s.Labels["hostname"]).Distinct().Order().ToList();
            Assert.That(hostnames, Is.EqualTo(shards.Shards[k].Hostnames), $"exporter {k} counts its own {workers / exporters} workers and no other");
            Assert.That(page.Find("jobs_succeeded_total").Count(), Is.EqualTo(workers / exporters * jobNames), "one series per worker and job name");
            Assert.That(page.Value("jobs_exporter_label_overflow_total") ?? 0, Is.Zero, $"exporter {k} stays within --metrics.max-values");
            Assert.That(page.Value("jobs_workers_alive"), Is.EqualTo(workers / exporters));
        }
    }
}
