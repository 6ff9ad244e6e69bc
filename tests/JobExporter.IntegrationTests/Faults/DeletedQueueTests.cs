using System.Diagnostics;
using System.Text;
using JobExporter.Contracts;
using JobExporter.IntegrationTests.Celery;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>An operator (or a policy) deletes the exporter's queues while it consumes them: RabbitMQ cancels its consumers.</summary>
public class DeletedQueueTests
{
    /// <summary>"Within seconds" on a loaded 2-core machine; the exporter repairs it in about one (a backoff step).</summary>
    private static readonly TimeSpan Repair = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Deleted_queues_are_noticed_logged_counted_and_declared_again_and_events_sent_after_are_counted()
    {
        var node = SharedBroker.Node;
        var lane = EventLane.New();
        await using var celery = await CeleryLane.OpenAsync(node.AmqpUrl);
        string[] args = [.. lane.ExporterArgs, "--celery.enabled", "--celery.exchange", celery.Exchange, "--celery.queue", celery.Queue];
        await using var exporter = await ExporterProcess.StartAsync(node.AmqpUrl, args);
        await WaitUntilBothConsumedAsync(exporter, node, lane.Queue, celery.Queue, Events.Patience);

        await node.CtlOrThrowAsync("delete_queue", lane.Queue);
        await node.CtlOrThrowAsync("delete_queue", celery.Queue);
        var deleted = Stopwatch.StartNew();
        await WaitUntilBothConsumedAsync(exporter, node, lane.Queue, celery.Queue, Repair);
        TestContext.Out.WriteLine($"both queues declared and consumed again {deleted.Elapsed.TotalSeconds:F1} s after the deletion");

        var m = await exporter.ScrapeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_exporter_broker_recoveries_total", ("queue", lane.Queue), ("reason", "consumer_cancelled")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_broker_recoveries_total", ("queue", celery.Queue), ("reason", "consumer_cancelled")), Is.EqualTo(1));
            Assert.That(exporter.Output, Does.Contain($"Lost the consumer of {lane.Queue}").And.Contain($"Lost the consumer of {celery.Queue}"));
        });

        // Events sent once the queues are back are all counted.
        var f = new EventFactory("hangfire", "deleted-1");
        await using (var raw = await lane.RawPublisherAsync(node.AmqpUrl))
        {
            await raw.PublishManyAsync(Enumerable.Range(0, 100).Select(_ => EventJson.Serialize(f.Job(EventType.JobSent, "After.Delete", "default"))));
        }
        await celery.PublishAsync("worker.heartbeat", Encoding.UTF8.GetBytes(
            """{"hostname": "celery@deleted-1", "utcoffset": 0, "pid": 1, "clock": 1, "freq": 2.0, "active": 0, "processed": 0, "timestamp": 1795501685.5, "type": "worker-heartbeat"}"""));
        var after = await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_sent_total", ("name", "After.Delete")) == 100
            && mm.Value("jobs_exporter_events_total", ("system", "celery")) == 1, Events.Patience, "the events sent after the deletion");
        Assert.That(after.Value("jobs_sent_total", ("name", "After.Delete")), Is.EqualTo(100));
    }

    /// <summary>Ready, both gauges at 1, and the broker shows a consumer on each queue.</summary>
    private static Task WaitUntilBothConsumedAsync(ExporterProcess exporter, RabbitMqNode node, string queue, string celeryQueue, TimeSpan timeout) =>
        exporter.WaitUntilAsync(async () =>
        {
            var m = await exporter.ScrapeAsync();
            return (await exporter.GetAsync("readyz")).IsSuccessStatusCode
                && m.Value("jobs_exporter_broker_connected") == 1 && m.Value("jobs_exporter_celery_broker_connected") == 1
                && (await node.QueueStateAsync(queue))?.Consumers == 1 && (await node.QueueStateAsync(celeryQueue))?.Consumers == 1;
        }, timeout, "both queues declared and consumed, /readyz ready");
}
