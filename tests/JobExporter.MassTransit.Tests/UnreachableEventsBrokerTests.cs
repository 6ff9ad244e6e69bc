using JobExporter.Testing;
using MassTransit;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>The emitter with its events broker away: the bus works as if it were not there, and what is lost is counted.</summary>
[TestFixture]
public sealed class UnreachableEventsBrokerTests
{
    [Test]
    public async Task Consumers_process_every_message_and_the_events_that_did_not_fit_are_counted_as_dropped()
    {
        const int messages = 200;
        const int buffer = 10;
        var queue = Broker.UniqueName("counting");
        var batch = Broker.UniqueName("batch");
        var closedPort = FreePort.Next();

        await using var bus = await TestBus.StartAsync(Broker.Node,
            (context, cfg) => cfg.ReceiveEndpoint(queue, e => e.ConfigureConsumer<CountingConsumer>(context)),
            o =>
            {
                o.BrokerUrl = new Uri($"amqp://guest:guest@127.0.0.1:{closedPort}/");
                o.BufferCapacity = buffer;
            });
        for (var i = 0; i < messages; i++) await bus.SendAsync(queue, new CountMe(batch));
        await Waiting.UntilAsync(() => CountingConsumer.Count(batch) == messages, $"{messages} messages consumed");
        var emitter = bus.Emitter!;
        // Four events a message (sent, received, started, succeeded) and worker-online; at most the buffer is kept.
        await Waiting.UntilAsync(() => emitter.Active == 0, "no consumer running");

        Assert.Multiple(() =>
        {
            Assert.That(CountingConsumer.Count(batch), Is.EqualTo(messages));
            Assert.That(emitter.Publisher.Published, Is.Zero);
            Assert.That(emitter.Publisher.Dropped, Is.GreaterThanOrEqualTo(4 * messages + 1 - buffer));
            Assert.That(emitter.Errors, Is.Zero, "the emitter itself never failed");
        });
    }
}
