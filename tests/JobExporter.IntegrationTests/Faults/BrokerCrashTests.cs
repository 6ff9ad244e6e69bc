using System.Diagnostics;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>The broker killed outright in the middle of a stream of 100,000 jobs sent through the emitters' publisher.</summary>
public class BrokerCrashTests
{
    [Test]
    public async Task A_broker_killed_and_restarted_mid_stream_loses_nothing_and_counts_nothing_twice()
    {
        await using var node = await RabbitMqNode.StartAsync();
        await using var exporter = await ExporterProcess.StartAsync(node.AmqpUrl, "--broker.queue", "crash", "--events.dedup-window", "200000");
        await exporter.WaitUntilReadyAsync(Events.Patience);
        // The exporter has just declared its exchange, queue and binding. A broker that has run a while has them on disk;
        // this one is told to write its definitions' log now. Suspected cause of the one failure seen (a quarter of the
        // jobs missing, the node killed 0.7 s after the binding): a binding lost with the SIGKILL, so that the publisher,
        // back before the exporter bound again, had its events confirmed as unroutable. Not reproduced since.
        await node.CtlOrThrowAsync("eval", "mnesia:sync_log().");

        const int jobs = 100_000;
        var f = new EventFactory("hangfire", "web-1");
        var publisher = new EventPublisher(new EventPublisherOptions
        {
            BrokerUrl = node.AmqpUrl,
            BufferCapacity = jobs * 2,
            FlushTimeout = TimeSpan.FromSeconds(120),
            MaxReconnectDelay = TimeSpan.FromSeconds(2),
        });
        for (var i = 0; i < jobs; i++)
        {
            publisher.TryPublish(f.Job(EventType.JobSent, $"Job{i % 50}", "default"));
            publisher.TryPublish(f.Job(EventType.JobSucceeded, $"Job{i % 50}", "default") with { Runtime = 0.01 });
        }
        // Kill the broker once a good part, but not all, has gone through.
        await exporter.WaitForMetricsAsync(m => Events.Applied(m) >= jobs / 4, TimeSpan.FromSeconds(120), "a quarter of the stream applied");
        await node.KillAsync();
        var atCrash = Events.Applied(await exporter.ScrapeAsync());
        await node.StartAgainAsync();
        var flush = Stopwatch.StartNew();
        await publisher.DisposeAsync();
        flush.Stop();

        // Seen once in about 40 runs: a quarter of the jobs never counted. Say on which side they were lost.
        async Task<string> State() =>
            $"crash at {atCrash} of {2 * jobs} events; publisher: {publisher.Published} confirmed, {publisher.Dropped} dropped, " +
            $"{publisher.PublishFailures} publish failures, flushed in {flush.Elapsed.TotalSeconds:F1} s; queue crash holds {await node.QueueLengthAsync("crash")} messages";
        MetricsSnapshot final;
        try
        {
            final = await exporter.WaitForMetricsAsync(m => (m.Value("jobs_succeeded_total") ?? 0) >= jobs && (m.Value("jobs_sent_total") ?? 0) >= jobs,
                TimeSpan.FromSeconds(180), "every job counted after the crash");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{await State()}\n{ex.Message}", ex);
        }
        TestContext.Out.WriteLine($"{await State()}; duplicates dropped: {final.Value("jobs_exporter_events_duplicate_total")}");
        Assert.That(atCrash, Is.LessThan(2 * jobs), "the crash must come mid-stream");
        Assert.That(publisher.Dropped, Is.EqualTo(0));
        Assert.That(final.Value("jobs_sent_total"), Is.EqualTo(jobs));
        Assert.That(final.Value("jobs_succeeded_total"), Is.EqualTo(jobs));
        Assert.That(final.Value("jobs_runtime_seconds_count"), Is.EqualTo(jobs));
    }
}
