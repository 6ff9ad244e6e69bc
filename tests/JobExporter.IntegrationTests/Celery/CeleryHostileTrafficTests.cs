using System.Text;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery;

public class CeleryHostileTrafficTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    [Test]
    public async Task Hostile_messages_on_the_celery_exchange_are_counted_and_the_good_events_between_them_all_count()
    {
        await using var lane = await CeleryLane.OpenAsync(Broker);
        await lane.DeclareExporterQueueAsync();
        await using var exporter = await ExporterProcess.StartAsync(Broker, lane.ExporterArgs);
        var good = 0;
        async Task Good() => await lane.PublishAsync("task.sent", Encoding.UTF8.GetBytes(
            $$"""{"hostname": "gen1@web-1", "uuid": "good-{{good++}}", "name": "app.good", "queue": "q", "timestamp": 1795501685.5, "type": "task-sent"}"""));

        await Good();
        await lane.PublishAsync("task.sent", "\x80\x03}q\x00(X\x04\x00\x00\x00type"u8.ToArray(), "application/x-python-serialize");
        await Good();
        await lane.PublishAsync("task.sent", Encoding.UTF8.GetBytes("{\"type\": \"task-sent\", \"uuid\": "), "application/json");
        await Good();
        await lane.PublishAsync("task.multi", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\": ", 5000))));
        await Good();
        await lane.PublishAsync("task.sent", new byte[600 * 1024]);
        await Good();
        await lane.PublishAsync("worker.heartbeat", Encoding.UTF8.GetBytes("{\"type\": \"worker-heartbeat\", \"hostname\": \"celery@x\", \"timestamp\": 1, \"active\": -5}"));
        await Good();
        await lane.PublishAsync("task.sent", Encoding.UTF8.GetBytes("{}"), contentType: null);
        await Good();

        var m = await exporter.WaitForMetricsAsync(mm => (mm.Value("jobs_sent_total", ("name", "app.good")) ?? 0) >= good
                && (mm.Value("jobs_exporter_events_invalid_total") ?? 0) >= 6,
            Events.Patience, "the good events and the rejections counted");
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_sent_total", ("system", "celery"), ("name", "app.good"), ("queue", "q")), Is.EqualTo(good));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "unsupported_content_type")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "not_json")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "too_deep")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "too_large")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "invalid_value")), Is.EqualTo(1));
            Assert.That(exporter.HasExited, Is.False);
        });
    }
}
