using JobExporter.Contracts;

namespace JobExporter.Tests.Aggregation;

/// <summary>The emitter health a worker reports in its heartbeats, as the exporter shows it per worker.</summary>
public class EmitterHealthTests
{
    private static readonly (string, string)[] Worker1 = [("system", "hangfire"), ("hostname", "worker-1")];

    [Test]
    public void Each_heartbeat_sets_the_workers_dropped_events_and_publish_failures()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, dropped: 2) with { PublishFailures = 5 });
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, host: "worker-2", dropped: 0) with { PublishFailures = 0 });
        var m = exporter.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_emitter_dropped_events", Worker1), Is.EqualTo(2));
            Assert.That(m.Value("jobs_emitter_publish_failures", Worker1), Is.EqualTo(5));
            Assert.That(m.Value("jobs_emitter_publish_failures", ("hostname", "worker-2")), Is.EqualTo(0));
        });

        exporter.Advance(TimeSpan.FromSeconds(10));
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, dropped: 2) with { PublishFailures = 9 });
        Assert.That(exporter.Scrape().Value("jobs_emitter_publish_failures", Worker1), Is.EqualTo(9));
    }

    [Test]
    public void A_heartbeat_from_an_older_emitter_without_the_field_adds_no_series()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, dropped: 1));
        Assert.That(exporter.Scrape().Has("jobs_emitter_publish_failures", Worker1), Is.False);
    }

    [Test]
    public void A_purged_worker_loses_its_publish_failures_series()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, dropped: 1) with { PublishFailures = 4 });
        exporter.Apply(exporter.Worker(EventType.WorkerOffline));
        exporter.Advance(TimeSpan.FromMinutes(11));
        Assert.That(exporter.Scrape().Has("jobs_emitter_publish_failures", Worker1), Is.False);
    }
}
