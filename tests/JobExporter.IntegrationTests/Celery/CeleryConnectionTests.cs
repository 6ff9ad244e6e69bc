using System.Text;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery;

public class CeleryConnectionTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    [Test]
    public async Task A_celery_queue_the_exporter_cannot_consume_shows_in_its_own_gauge_and_readyz_until_it_can()
    {
        await using var lane = await CeleryLane.OpenAsync(Broker);
        // Someone declared the queue with other arguments: the exporter's declaration fails, its main consumer does not.
        await lane.DeclareExporterQueueAsync(maxLength: 5);
        await using var exporter = await ExporterProcess.StartAsync(Broker, lane.ExporterArgs);
        await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains($"CeleryConsumer[0] Unable to consume {lane.Queue}", StringComparison.Ordinal)),
            Events.Patience, "the Celery consumer's first failure");

        var down = await exporter.ScrapeAsync();
        var readyz = await exporter.GetAsync("readyz");
        var reason = await readyz.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(down.Value("jobs_exporter_broker_connected"), Is.EqualTo(1), "the main consumer is connected");
            Assert.That(down.Value("jobs_exporter_celery_broker_connected"), Is.EqualTo(0));
            Assert.That((int)readyz.StatusCode, Is.EqualTo(503));
            Assert.That(reason, Does.Contain("not consuming Celery events").And.Contain("x-max-length"));
            Assert.That(exporter.Output, Does.Contain("--celery.queue"), "the way out names the Celery queue's flag");
        });

        // The conflicting queue goes: the exporter's next attempt declares its own and consumes.
        await lane.DeleteExporterQueueAsync();
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_broker_connected") == 1, Events.Patience, "the Celery consumer to connect");
        Assert.That((int)(await exporter.GetAsync("readyz")).StatusCode, Is.EqualTo(200));
        await lane.PublishAsync("worker.heartbeat", Encoding.UTF8.GetBytes(
            """{"hostname": "celery@conn-test", "utcoffset": 0, "pid": 1, "clock": 1, "freq": 2.0, "active": 0, "processed": 0, "timestamp": 1795501685.5, "type": "worker-heartbeat"}"""));
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_events_total", ("system", "celery")) == 1, Events.Patience, "the heartbeat applied");
    }
}
