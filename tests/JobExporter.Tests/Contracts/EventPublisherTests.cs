using System.Diagnostics;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.Tests.Contracts;

public class EventPublisherTests
{
    private static EventPublisherOptions Unreachable(int capacity) => new()
    {
        BrokerUrl = new Uri($"amqp://guest:guest@127.0.0.1:{FreePort.Next()}/"),
        BufferCapacity = capacity,
        FlushTimeout = TimeSpan.FromMilliseconds(200),
    };

    [Test]
    public async Task With_the_broker_away_publishing_never_blocks_and_drops_new_events_beyond_the_buffer()
    {
        await using var publisher = new EventPublisher(Unreachable(capacity: 100));
        var factory = new EventFactory("hangfire", "h");
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 1000; i++)
        {
            var watch = Stopwatch.StartNew();
            publisher.TryPublish(factory.Job(EventType.JobSent, "N", "q"));
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
        }
        Assert.That(publisher.Dropped, Is.EqualTo(900));
        Assert.That(slowest, Is.LessThan(TimeSpan.FromMilliseconds(100)), "one TryPublish call took too long");
        Assert.That(publisher.IsConnected, Is.False);
    }

    [Test]
    public async Task Events_still_buffered_when_the_flush_times_out_are_counted_as_dropped()
    {
        var publisher = new EventPublisher(Unreachable(capacity: 100));
        var factory = new EventFactory("hangfire", "h");
        for (var i = 0; i < 10; i++) publisher.TryPublish(factory.Job(EventType.JobSent, "N", "q"));
        await publisher.DisposeAsync();
        Assert.That(publisher.Dropped, Is.EqualTo(10));
        publisher.TryPublish(factory.Job(EventType.JobSent, "N", "q"));
        Assert.That(publisher.Dropped, Is.EqualTo(11), "publishing after dispose must count the drop, not throw");
    }

    [Test]
    public async Task An_event_with_a_number_JSON_cannot_hold_is_dropped_and_counted_and_the_events_around_it_are_kept()
    {
        await using var publisher = new EventPublisher(Unreachable(capacity: 100));
        var factory = new EventFactory("hangfire", "h");
        publisher.TryPublish(factory.Job(EventType.JobSucceeded, "N", "q", runtime: 1));
        publisher.TryPublish(factory.Job(EventType.JobSucceeded, "N", "q", runtime: double.NaN));
        publisher.TryPublish(factory.Job(EventType.JobStarted, "N", "q", wait: double.PositiveInfinity));
        publisher.TryPublish(factory.Worker(EventType.WorkerHeartbeat, TimeSpan.FromSeconds(10)) with { Ts = double.NegativeInfinity });
        publisher.TryPublish(factory.Job(EventType.JobSucceeded, "N", "q", runtime: 2));
        Assert.That(publisher.Dropped, Is.EqualTo(3));
        Assert.That(publisher.Buffered, Is.EqualTo(2));
    }

    [Test]
    public void Options_without_a_broker_url_fail_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => new EventPublisher(new EventPublisherOptions()));
        Assert.That(error!.Message, Does.Contain("BrokerUrl is required"));
        error = Assert.Throws<ArgumentException>(() => new EventPublisher(new EventPublisherOptions { BrokerUrl = new Uri("http://x/") }));
        Assert.That(error!.Message, Does.Contain("amqp://"));
    }
}
