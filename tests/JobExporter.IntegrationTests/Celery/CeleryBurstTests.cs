using System.Globalization;
using System.Text;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery;

public class CeleryBurstTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    [Test]
    public async Task A_burst_of_100k_celery_events_published_faster_than_the_exporter_drains_loses_none()
    {
        const int tasks = 25_000;
        await using var lane = await CeleryLane.OpenAsync(Broker);
        await lane.DeclareExporterQueueAsync();
        // The whole burst is waiting before the exporter starts: it can only drain slower than it came.
        await lane.PublishManyAsync(Enumerable.Range(0, tasks).SelectMany(TaskLife));
        Assert.That(await SharedBroker.Node.QueueLengthAsync(lane.Queue), Is.EqualTo(4 * tasks));

        var drain = System.Diagnostics.Stopwatch.StartNew();
        await using var exporter = await ExporterProcess.StartAsync(Broker, lane.ExporterArgs);
        var m = await exporter.WaitForMetricsAsync(mm => (mm.Value("jobs_exporter_events_total", ("system", "celery")) ?? 0) >= 4 * tasks,
            TimeSpan.FromMinutes(5), "the burst applied");
        TestContext.Out.WriteLine($"{4 * tasks} Celery events drained in {drain.Elapsed.TotalSeconds:F1} s (exporter start included)");

        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_exporter_events_total", ("system", "celery")), Is.EqualTo(4 * tasks));
            Assert.That(m.Value("jobs_sent_total", ("system", "celery"), ("name", "app.burst.work"), ("queue", "burst")), Is.EqualTo(tasks));
            Assert.That(m.Value("jobs_succeeded_total", ("system", "celery"), ("name", "app.burst.work"), ("queue", "burst")), Is.EqualTo(tasks));
            Assert.That(m.Value("jobs_wait_seconds_count", ("system", "celery"), ("name", "app.burst.work")), Is.EqualTo(tasks));
            Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(0));
            Assert.That(m.Value("jobs_exporter_celery_task_index_evicted_total"), Is.EqualTo(0));
        });

        // Acknowledged in batches, and the last batch on the way out: nothing applied is left to come again.
        await exporter.StopAsync();
        Assert.That(await SharedBroker.Node.QueueLengthAsync(lane.Queue), Is.EqualTo(0));
    }

    // One task's four events, one a message, as Celery 5.2.6 writes them.
    private static IEnumerable<(string, byte[])> TaskLife(int i)
    {
        var uuid = $"00000000-0000-4000-8000-{i:D12}";
        var ts = 1_795_501_685.0 + i * 0.001;
        string T(double t) => t.ToString("R", CultureInfo.InvariantCulture);
        yield return ("task.sent", Encoding.UTF8.GetBytes(
            $$"""{"hostname": "gen1@web-1", "utcoffset": 0, "pid": 1, "clock": {{i}}, "uuid": "{{uuid}}", "root_id": "{{uuid}}", "parent_id": null, "name": "app.burst.work", "args": "({{i}},)", "kwargs": "{}", "retries": 0, "eta": null, "expires": null, "queue": "burst", "exchange": "", "routing_key": "burst", "timestamp": {{T(ts)}}, "type": "task-sent"}"""));
        yield return ("task.received", Encoding.UTF8.GetBytes(
            $$"""{"hostname": "celery@burst-1", "utcoffset": 0, "pid": 2, "clock": {{i}}, "uuid": "{{uuid}}", "name": "app.burst.work", "args": "({{i}},)", "kwargs": "{}", "root_id": "{{uuid}}", "parent_id": null, "retries": 0, "eta": null, "expires": null, "timestamp": {{T(ts + 0.01)}}, "type": "task-received"}"""));
        yield return ("task.started", Encoding.UTF8.GetBytes(
            $$"""{"hostname": "celery@burst-1", "utcoffset": 0, "pid": 3, "clock": {{i}}, "uuid": "{{uuid}}", "timestamp": {{T(ts + 0.02)}}, "type": "task-started"}"""));
        yield return ("task.succeeded", Encoding.UTF8.GetBytes(
            $$"""{"hostname": "celery@burst-1", "utcoffset": 0, "pid": 3, "clock": {{i}}, "uuid": "{{uuid}}", "result": "None", "runtime": 0.05, "timestamp": {{T(ts + 0.07)}}, "type": "task-succeeded"}"""));
    }
}
