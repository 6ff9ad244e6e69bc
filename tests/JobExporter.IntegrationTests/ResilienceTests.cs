using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests;

/// <summary>Outages: the broker going away mid-stream, the exporter being away while events are published.</summary>
public class ResilienceTests
{
    [Test]
    public async Task When_the_broker_stops_and_comes_back_mid_stream_the_exporter_reconnects_and_the_counts_are_exact()
    {
        await using var node = await RabbitMqNode.StartAsync();
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(node.AmqpUrl, lane.ExporterArgs);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        var f = new EventFactory("hangfire", "web-1");
        const int jobs = 1500;
        await using (var publisher = lane.Publisher(node.AmqpUrl))
        {
            for (var i = 0; i < jobs; i++)
            {
                foreach (var e in Events.SucceededJob(f, "Steady.Job", "default")) publisher.TryPublish(e);
                if (i == jobs / 3)
                {
                    await exporter.WaitForMetricsAsync(m => Events.Applied(m) > 0, Events.Patience, "first events before the outage");
                    await node.StopAsync();
                    var during = await exporter.ScrapeAsync();
                    Assert.That(during.Value("jobs_exporter_broker_connected"), Is.EqualTo(0), "connected must drop to 0 during the outage");
                    Assert.That((int)(await exporter.GetAsync("readyz")).StatusCode, Is.EqualTo(503));
                    await node.StartAgainAsync();
                }
            }
        }
        var final = await exporter.WaitForMetricsAsync(m => (m.Value("jobs_succeeded_total") ?? 0) >= jobs && m.Value("jobs_exporter_broker_connected") == 1,
            TimeSpan.FromSeconds(120), "all jobs counted after the outage");
        Assert.That(final.Value("jobs_sent_total"), Is.EqualTo(jobs));
        Assert.That(final.Value("jobs_received_total"), Is.EqualTo(jobs));
        Assert.That(final.Value("jobs_started_total"), Is.EqualTo(jobs));
        Assert.That(final.Value("jobs_succeeded_total"), Is.EqualTo(jobs));
        Assert.That(exporter.Output, Does.Contain("reconnecting").Or.Contain("failed"), "the outage should be logged");
    }

    [Test]
    public async Task Events_published_while_the_exporter_is_stopped_are_counted_when_it_comes_back()
    {
        var lane = EventLane.New();
        var broker = SharedBroker.Node.AmqpUrl;
        var first = await ExporterProcess.StartAsync(broker, lane.ExporterArgs);
        await first.WaitUntilReadyAsync(Events.Patience);
        await first.DisposeAsync();

        var f = new EventFactory("masstransit", "consumer-7");
        await using (var publisher = lane.Publisher(broker))
        {
            for (var i = 0; i < 100; i++)
            {
                foreach (var e in Events.SucceededJob(f, "OrderConsumer", "orders")) publisher.TryPublish(e);
            }
        }
        await using var second = await ExporterProcess.StartAsync(broker, lane.ExporterArgs);
        // Wait on this test's own job: the shared broker may also route a stray event from an earlier test's emitter here.
        var m = await second.WaitForMetricsAsync(mm => (mm.Value("jobs_succeeded_total", ("name", "OrderConsumer")) ?? 0) >= 100
            && (mm.Value("jobs_sent_total", ("name", "OrderConsumer")) ?? 0) >= 100, Events.Patience, "the 100 jobs published while stopped");
        Assert.That(m.Value("jobs_succeeded_total", ("name", "OrderConsumer")), Is.EqualTo(100));
        Assert.That(m.Value("jobs_sent_total", ("name", "OrderConsumer")), Is.EqualTo(100));
    }

    [Test]
    public async Task An_unreachable_broker_at_start_is_not_fatal_and_readyz_says_so()
    {
        var closedPort = FreePort.Next();
        await using var exporter = await ExporterProcess.StartAsync(new Uri($"amqp://app:TopSecret42@127.0.0.1:{closedPort}/"));
        var m = await exporter.ScrapeAsync();
        Assert.That(m.Value("jobs_exporter_broker_connected"), Is.EqualTo(0));
        Assert.That((int)(await exporter.GetAsync("readyz")).StatusCode, Is.EqualTo(503));
        Assert.That((await exporter.GetAsync("healthz")).IsSuccessStatusCode, Is.True);
        await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains("failed")), Events.Patience, "a log line about the failed attempt");
        Assert.That(exporter.Output, Does.Not.Contain("TopSecret42"), "the password must never be logged");
        Assert.That(exporter.Output, Does.Contain($"127.0.0.1:{closedPort}"));
    }
}
