using System.Text;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery;

/// <summary>Celery events whose fields are as long as a message allows: what the exporter keeps of them is cut, never held whole.</summary>
public class CeleryMemoryBoundTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    // A heap the oversized fields would overflow four times over if they were held whole.
    private const long HeapLimit = 128L * 1024 * 1024;
    private const int Huge = 120;
    private const int FieldChars = 400_000;

    [Test]
    public async Task Tasks_with_huge_names_queues_ids_and_hostnames_neither_fill_the_heap_nor_stop_later_events()
    {
        await using var lane = await CeleryLane.OpenAsync(Broker);
        await lane.DeclareExporterQueueAsync();
        var port = FreePort.Next();
        // The gen0 budget the shipped binary has: the JIT build's own is sized from the CPU's cache (hundreds of MiB on
        // some), and its garbage would make the heap read below (garbage included) a matter of when the GC last ran.
        var environment = ExporterGcSettings.Environment();
        environment["DOTNET_GCHeapHardLimit"] = HeapLimit.ToString("X");
        // What is in flight is prefetch x message size (docs/deploying.md: lower the prefetch when messages are large).
        // At the default 1000, a busy machine whose dispatch lags the socket buffers most of these 144 MB of messages at
        // once (the heap read 108 MB of 128 under a CPU hog; a loaded CI run failed here): that tests the read-ahead, not
        // what the exporter keeps. 32 messages of 400 kB are 13 MB.
        await using var exporter = await ExporterProcess.StartWithArgsAsync(port,
            ["--broker.url", Broker.ToString(), "--web.listen-address", $"127.0.0.1:{port}", "--broker.prefetch", "32", .. lane.ExporterArgs], environment);
        var padding = new string('x', FieldChars);
        static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);
        var ts = 1795501685.5;

        // Unfinished tasks with names and queues of 400,000 characters (kept by the task index).
        await lane.PublishManyAsync(Enumerable.Range(0, Huge).Select(i => ("task.sent", Json(
            $$"""{"hostname": "gen1@web-1", "uuid": "named-{{i}}", "name": "app.huge{{i}}.{{padding}}", "queue": "q{{i}}.{{padding[..100]}}", "timestamp": {{ts + i}}, "type": "task-sent"}"""))));
        // Task ids of 400,000 characters (the task index's key).
        await lane.PublishManyAsync(Enumerable.Range(0, Huge).Select(i => ("task.sent", Json(
            $$"""{"hostname": "gen1@web-1", "uuid": "{{i}}-{{padding}}", "name": "app.long_id", "queue": "q", "timestamp": {{ts + i}}, "type": "task-sent"}"""))));
        // Events of tasks not named yet, from hostnames of 400,000 characters (held until their task-sent or for 2 s).
        await lane.PublishManyAsync(Enumerable.Range(0, Huge).Select(i => ("task.started", Json(
            $$"""{"hostname": "w{{i}}@{{padding}}", "uuid": "unnamed-{{i}}", "timestamp": {{ts + i}}, "type": "task-started"}"""))));
        const int Good = 200;
        await lane.PublishManyAsync(Enumerable.Range(0, Good).Select(i => ("task.sent", Json(
            $$"""{"hostname": "gen1@web-1", "uuid": "good-{{i}}", "name": "app.good", "queue": "q", "timestamp": {{ts + i}}, "type": "task-sent"}"""))));

        var m = await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_sent_total", ("name", "app.good")) >= Good
                && mm.Find("jobs_started_total").Sum(s => s.Value) >= Huge,
            TimeSpan.FromSeconds(180), "the good events after the huge ones counted");
        var heap = m.Value("dotnet_total_memory_bytes")!.Value;
        TestContext.Out.WriteLine($"heap {heap / 1048576.0:F1} MB under a {HeapLimit / 1048576} MB limit; RSS {Faults.ProcessMemory.Rss(exporter.ProcessId) / 1048576.0:F0} MB");
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_sent_total", ("name", "app.good")), Is.EqualTo(Good));
            Assert.That(m.Value("jobs_sent_total", ("name", "app.long_id")), Is.EqualTo(Huge));
            Assert.That(m.Find("jobs_sent_total").Where(s => s.Labels["name"].StartsWith("app.huge", StringComparison.Ordinal)).Sum(s => s.Value), Is.EqualTo(Huge));
            Assert.That(m.Find("jobs_started_total").Sum(s => s.Value), Is.EqualTo(Huge));
            Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(0));
            Assert.That(exporter.Output, Does.Not.Contain("OutOfMemory"));
        });
        // What stays: the live heap after a full collection. Held whole, the fields would take 290 MB and the heap limit
        // would have stopped everything above. Read without a collection, an idle exporter's heap also holds whatever
        // garbage the huge messages left (40 to 105 MB in fresh-check runs), which said nothing of what it keeps.
        await Faults.InducedCollection.RunAsync(exporter);
        var live = (await exporter.ScrapeAsync()).Value("dotnet_total_memory_bytes")!.Value;
        TestContext.Out.WriteLine($"heap after a full collection {live / 1048576.0:F1} MB");
        Assert.That(live, Is.LessThan(64.0 * 1024 * 1024));
    }
}
