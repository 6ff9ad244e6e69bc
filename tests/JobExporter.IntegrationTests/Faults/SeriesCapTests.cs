using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>
/// Many accepted names times many accepted hostnames: each label stays under --metrics.max-values, yet their product
/// would make a page of hundreds of thousands of series. The cap on series per metric family stops it.
/// </summary>
public class SeriesCapTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    [Test]
    public async Task Series_past_the_cap_of_a_metric_are_folded_whole_into_other_and_every_named_series_stays_complete()
    {
        const int Names = 40, Hosts = 40, Cap = 500;
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(Broker, [.. lane.ExporterArgs, "--metrics.max-series", $"{Cap}"]);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        await using (var publisher = lane.Publisher(Broker))
        {
            for (var h = 0; h < Hosts; h++)
            {
                var f = new EventFactory("hangfire", $"web-{h}");
                for (var n = 0; n < Names; n++)
                {
                    publisher.TryPublish(f.Job(EventType.JobSucceeded, $"Job{n}", "default") with { Runtime = 0.1 });
                    // Every other host fails each job once: the failure ratio of a folded job must stay its own.
                    if (h % 2 == 0) publisher.TryPublish(f.Job(EventType.JobFailed, $"Job{n}", "default") with { Runtime = 0.1, Exception = "System.TimeoutException" });
                }
            }
        }
        const int Succeeded = Names * Hosts, Failed = Names * Hosts / 2;
        var m = await exporter.WaitForMetricsAsync(mm => Events.Applied(mm) >= Succeeded + Failed, Events.Patience, "every event applied");

        var succeeded = m.Find("jobs_succeeded_total").ToList();
        var failed = m.Find("jobs_failed_total").ToList();
        var named = succeeded.Where(s => s.Labels["name"] != "__other__").ToList();
        var other = succeeded.Where(s => s.Labels["name"] == "__other__").ToList();
        TestContext.Out.WriteLine($"{m.All.Count} series on the page; jobs_succeeded_total: {named.Count} named, {other.Count} folded; "
            + $"overflow {m.Value("jobs_exporter_series_overflow_total", ("metric", "jobs_succeeded_total"))}");
        Assert.Multiple(() =>
        {
            // Nothing lost: folded, not dropped.
            Assert.That(succeeded.Sum(s => s.Value), Is.EqualTo(Succeeded));
            Assert.That(failed.Sum(s => s.Value), Is.EqualTo(Failed));
            Assert.That(m.Find("jobs_runtime_seconds_count").Sum(s => s.Value), Is.EqualTo(Succeeded + Failed));
            // The cap holds for every family (a histogram counts its bucket, sum and count lines), give or take the folded series.
            foreach (var family in m.All.GroupBy(s => FamilyOf(s.Name)))
            {
                Assert.That(family.Count(), Is.LessThanOrEqualTo(Cap + 40), family.Key);
            }
            Assert.That(named, Has.Count.InRange(Cap / 2, Cap));
            Assert.That(other, Has.Count.EqualTo(1));
            Assert.That(other.Single().Labels["hostname"], Is.EqualTo("__other__"));
            Assert.That(m.Value("jobs_exporter_series_overflow_total", ("metric", "jobs_succeeded_total")), Is.GreaterThan(0));
            Assert.That(m.Value("jobs_exporter_series_overflow_total", ("metric", "jobs_runtime_seconds")), Is.GreaterThan(0));
            // A named series has every event of its job on its host, and the folded series every event of the rest:
            // the failure ratio of each is its own.
            foreach (var s in named)
            {
                var host = int.Parse(s.Labels["hostname"]["web-".Length..]);
                var failures = failed.Where(x => x.Labels["name"] == s.Labels["name"] && x.Labels["hostname"] == s.Labels["hostname"]).Sum(x => x.Value);
                Assert.That((s.Value, failures), Is.EqualTo((1.0, host % 2 == 0 ? 1.0 : 0.0)), $"{s.Labels["name"]} on {s.Labels["hostname"]}");
            }
            var namedFailures = failed.Where(x => x.Labels["name"] != "__other__").Sum(x => x.Value);
            var otherFailures = failed.Where(x => x.Labels["name"] == "__other__").Sum(x => x.Value);
            Assert.That(otherFailures, Is.EqualTo(Failed - namedFailures));
            Assert.That(other.Single().Value, Is.EqualTo(Succeeded - named.Count));
        });
    }

    private static string FamilyOf(string series)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (series.EndsWith(suffix, StringComparison.Ordinal) && series.StartsWith("jobs_", StringComparison.Ordinal) && series.Contains("_seconds"))
                return series[..^suffix.Length];
        }
        return series;
    }
}
