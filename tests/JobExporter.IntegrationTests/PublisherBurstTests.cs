using System.Diagnostics;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests;

/// <summary>
/// A burst of jobs much larger than the publisher's buffer, at a steady rate a worker reaches when it enqueues a batch
/// of jobs: the publisher must keep sending while earlier messages wait for the broker's confirms, or the buffer fills
/// behind each confirm wait and events are dropped.
/// </summary>
public class PublisherBurstTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    [Test]
    public async Task A_burst_ten_times_the_buffer_is_delivered_without_drops()
    {
        const int capacity = 10_000;
        const int events = 10 * capacity;
        const int perTick = 500;
        var lane = EventLane.New();
        string[] args = [.. lane.ExporterArgs, "--events.dedup-window", "200000"];
        // The exporter declares its queue and goes away, as in a deploy: the burst piles up in the queue, the way that
        // makes the broker slowest to confirm (every message is written to disk and none is consumed).
        await using (var first = await ExporterProcess.StartAsync(Broker, args))
        {
            await first.WaitUntilReadyAsync(Events.Patience);
            await first.StopAsync();
        }

        var f = new EventFactory("hangfire", "burst-1");
        // Disposed below to flush; DisposeAsync may run twice, so this only cleans up after a failure.
        await using var publisher = new EventPublisher(new EventPublisherOptions
        {
            BrokerUrl = Broker,
            Exchange = lane.Exchange,
            BufferCapacity = capacity,
            FlushTimeout = TimeSpan.FromSeconds(60),
        });
        // Connected first, so the burst measures sending, not the connection's start.
        await Waiting.UntilAsync(() => publisher.IsConnected, "the publisher to connect", Events.Patience, poll: TimeSpan.FromMilliseconds(10));

        // 500 events each 10 ms tick: 50,000 events a second for two seconds. A late tick (a busy machine) only slows
        // the burst down, which makes it easier, never harder.
        var watch = Stopwatch.StartNew();
        using (var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(10)))
        {
            for (var sent = 0; sent < events; sent += perTick)
            {
                for (var i = 0; i < perTick; i++) publisher.TryPublish(f.Job(EventType.JobSent, "BurstJob", "default"));
                await ticks.WaitForNextTickAsync();
            }
        }
        var burst = watch.Elapsed;
        var droppedInBurst = publisher.Dropped;
        await publisher.DisposeAsync();

        await using var exporter = await ExporterProcess.StartAsync(Broker, args);

        var m = await exporter.WaitForMetricsAsync(x => (x.Value("jobs_sent_total") ?? 0) >= publisher.Published, Events.Patience,
            "every event sent counted");
        TestContext.Out.WriteLine($"{events} events in {burst.TotalMilliseconds:F0} ms, dropped {droppedInBurst} during the burst, " +
            $"{publisher.Dropped} in all, publish failures {publisher.PublishFailures}");
        Assert.Multiple(() =>
        {
            Assert.That(publisher.Dropped, Is.EqualTo(0));
            Assert.That(publisher.Published, Is.EqualTo(events));
            Assert.That(m.Value("jobs_sent_total"), Is.EqualTo(events));
        });
    }
}
