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
    public async Task A_burst_during_a_gathering_wait_is_sent_once_half_the_buffer_is_full_not_dropped()
    {
        const int capacity = 1_000;
        const int burst = 5 * capacity;
        await using var publisher = await ConnectedAsync(new EventPublisherOptions
        {
            BrokerUrl = Broker,
            Exchange = "test.gathering." + Guid.NewGuid().ToString("N"),
            BufferCapacity = capacity,
            BatchDelay = TimeSpan.FromSeconds(10),
        });
        var f = new EventFactory("hangfire", "gathering-1");

        // One event starts a ten-second wait; then 500 events every 10 ms, a buffer's worth every 20 ms.
        publisher.TryPublish(f.Job(EventType.JobSent, "GatherJob", "default"));
        await Task.Delay(100);
        using (var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(10)))
        {
            for (var sent = 0; sent < burst; sent += 500)
            {
                for (var i = 0; i < 500; i++) publisher.TryPublish(f.Job(EventType.JobSent, "GatherJob", "default"));
                await ticks.WaitForNextTickAsync();
            }
        }

        await Waiting.UntilAsync(() => publisher.Published >= burst + 1, "the burst to be published", Events.Patience,
            () => $"published {publisher.Published}, dropped {publisher.Dropped}");
        Assert.Multiple(() =>
        {
            Assert.That(publisher.Dropped, Is.EqualTo(0), "a full buffer behind a fixed ten-second wait would have dropped most of the burst");
            Assert.That(publisher.Published, Is.EqualTo(burst + 1));
        });
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
