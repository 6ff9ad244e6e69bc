using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests;

/// <summary>
/// The publisher lets events gather for <see cref="EventPublisherOptions.BatchDelay"/> before it sends a round; a long
/// delay must neither drop a burst that arrives while it waits nor hold events past the publisher's shutdown.
/// </summary>
public class PublisherGatheringTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    [Test]
    public async Task A_burst_during_a_gathering_wait_is_sent_once_half_the_buffer_is_full_not_held_to_the_deadline()
    {
        // Each round is one event, which starts a ten-second wait (the longest allowed), then more than half the
        // buffer at once. The round must go out before the wait's deadline: a fixed wait would hold it there and, with
        // more events coming, drop what the full buffer could not take. Rounds wait for each other, so the test asks
        // nothing of the machine's speed (a timed stream of bursts once outran a loaded machine's publisher).
        const int capacity = 1_000;
        const int rounds = 5;
        const int round = capacity / 2 + 100;
        var batchDelay = TimeSpan.FromSeconds(10);
        await using var publisher = await ConnectedAsync(new EventPublisherOptions
        {
            BrokerUrl = Broker,
            Exchange = "test.gathering." + Guid.NewGuid().ToString("N"),
            BufferCapacity = capacity,
            BatchDelay = batchDelay,
        });
        var f = new EventFactory("hangfire", "gathering-1");
        string Counts() => $"published {publisher.Published}, dropped {publisher.Dropped}";

        for (var r = 1; r <= rounds; r++)
        {
            publisher.TryPublish(f.Job(EventType.JobSent, "GatherJob", "default"));
            await Task.Delay(100);
            for (var i = 1; i < round; i++) publisher.TryPublish(f.Job(EventType.JobSent, "GatherJob", "default"));
            // Half the buffer goes out before the deadline. A check that came while the burst was being written sends
            // what it found (half or more); the rest may wait for its own gathering, so the whole round is given longer.
            var half = (r - 1) * round + capacity / 2;
            await Waiting.UntilAsync(() => publisher.Published >= half || publisher.Dropped > 0,
                $"round {r}'s first half buffer to be published before the gathering wait's deadline", batchDelay - TimeSpan.FromSeconds(2), Counts);
            var whole = r * round;
            await Waiting.UntilAsync(() => publisher.Published >= whole || publisher.Dropped > 0, $"round {r} to be published",
                batchDelay + Events.Patience, Counts);
            Assert.That(publisher.Dropped, Is.EqualTo(0), $"round {r}: nothing is dropped");
        }
        Assert.That(publisher.Published, Is.EqualTo(rounds * round));
    }

    [Test]
    public async Task Shutting_down_ends_a_gathering_wait_and_sends_what_gathered()
    {
        var publisher = await ConnectedAsync(new EventPublisherOptions
        {
            BrokerUrl = Broker,
            Exchange = "test.gathering." + Guid.NewGuid().ToString("N"),
            BatchDelay = TimeSpan.FromSeconds(10),
            FlushTimeout = TimeSpan.FromSeconds(3),
        });
        var f = new EventFactory("hangfire", "gathering-2");
        for (var i = 0; i < 10; i++) publisher.TryPublish(f.Job(EventType.JobSent, "GatherJob", "default"));
        // The send loop is now inside its ten-second wait, which is longer than the flush timeout.
        await Task.Delay(200);
        Assert.That(publisher.Published, Is.EqualTo(0), "the events gather");

        await publisher.DisposeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(publisher.Published, Is.EqualTo(10));
            Assert.That(publisher.Dropped, Is.EqualTo(0));
        });
    }

    private static async Task<EventPublisher> ConnectedAsync(EventPublisherOptions options)
    {
        var publisher = new EventPublisher(options);
        try
        {
            await Waiting.UntilAsync(() => publisher.IsConnected, "the publisher to connect", Events.Patience, poll: TimeSpan.FromMilliseconds(10));
        }
        catch (TimeoutException)
        {
            await publisher.DisposeAsync();
            throw;
        }
        return publisher;
    }
}
