using System.Text;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>The exporter killed outright (SIGKILL, as an OOM kill would) in the middle of a stream, then started again.</summary>
public class ExporterCrashTests
{
    [Test]
    public async Task A_killed_exporter_counts_after_restart_exactly_the_events_it_had_not_acknowledged()
    {
        var broker = SharedBroker.Node.AmqpUrl;
        var lane = EventLane.New();
        const int events = 40_000;

        // Declare the queue, then pre-fill it with one event per message so that messages and events are the same count.
        var first = await ExporterProcess.StartAsync(broker, lane.ExporterArgs);
        await first.WaitUntilReadyAsync(Events.Patience);
        await first.DisposeAsync();
        var f = new EventFactory("masstransit", "consumer-1");
        await using (var raw = await lane.RawPublisherAsync(broker))
        {
            await raw.PublishManyAsync(Enumerable.Range(0, events).Select(_ => EventJson.Serialize(f.Job(EventType.JobSent, "OrderSubmitted", "orders"))));
        }

        var victim = await ExporterProcess.StartAsync(broker, lane.ExporterArgs);
        await victim.WaitForMetricsAsync(m => Events.Applied(m) >= events / 10, TimeSpan.FromSeconds(60), "a tenth applied");
        await victim.KillAsync();

        // The broker returns every unacknowledged message to the queue: what is left is what the dead process never finished.
        var left = await WaitForStableQueueLengthAsync(broker, lane.Queue);
        Assert.That(left, Is.GreaterThan(0).And.LessThan(events), "the kill must come mid-stream");

        await using var survivor = await ExporterProcess.StartAsync(broker, lane.ExporterArgs);
        var m = await survivor.WaitForMetricsAsync(mm => Events.Applied(mm) >= left, TimeSpan.FromSeconds(120), $"{left} events applied after restart");
        Assert.That(m.Value("jobs_sent_total"), Is.EqualTo(left));
        Assert.That(await SharedBroker.Node.QueueLengthAsync(lane.Queue), Is.EqualTo(0));
        TestContext.Out.WriteLine($"killed after {events - left} of {events} events were acknowledged; the restarted exporter counted the other {left}");
        await victim.DisposeAsync();
    }

    private static async Task<long> WaitForStableQueueLengthAsync(Uri broker, string queue)
    {
        long last = -1;
        for (var i = 0; i < 100; i++)
        {
            var now = await SharedBroker.Node.QueueLengthAsync(queue);
            if (now == last) return now;
            last = now;
            await Task.Delay(200);
        }
        _ = broker;
        return last;
    }
}
