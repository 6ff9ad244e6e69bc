using JobExporter.Contracts;
using JobExporter.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>
/// What the observers and the consumer filter publish, through the publish seam: a real MassTransit bus on the
/// in-memory transport, and the events recorded by a <see cref="RecordingPublisher"/>: no broker at all.
/// </summary>
[TestFixture]
public sealed class ObserverEventTests
{
    private const string Queue = "unit-orders";

    [Test]
    public async Task A_succeeding_consumer_is_sent_received_started_and_succeeded_and_the_bus_is_a_worker()
    {
        var publisher = new RecordingPublisher();
        await using (var bus = await StartAsync(publisher))
        {
            var endpoint = await bus.GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{Queue}"));
            for (var i = 0; i < 3; i++) await endpoint.Send(new PlaceOrder(i));
            await Waiting.UntilAsync(() => publisher.Count(EventType.JobSucceeded, nameof(PlaceOrderConsumer)) == 3, "three job-succeeded", detail: publisher.Describe);
            await bus.GetRequiredService<IBusControl>().StopAsync();
        }

        Assert.Multiple(() =>
        {
            Assert.That(publisher.Count(EventType.JobSent, nameof(PlaceOrder)), Is.EqualTo(3));
            Assert.That(publisher.Count(EventType.JobReceived, nameof(PlaceOrderConsumer)), Is.EqualTo(3));
            Assert.That(publisher.Count(EventType.JobStarted, nameof(PlaceOrderConsumer)), Is.EqualTo(3));
            Assert.That(publisher.Of(EventType.JobSucceeded).Select(e => (e.Queue, e.System, e.Hostname)), Is.All.EqualTo((Queue, "masstransit", "unit-mt")));
            Assert.That(publisher.Of(EventType.JobSucceeded).Select(e => e.Runtime), Is.All.Not.Null.And.All.GreaterThanOrEqualTo(0));
            Assert.That(publisher.Count(EventType.WorkerOnline), Is.EqualTo(1));
            Assert.That(publisher.Count(EventType.WorkerOffline), Is.EqualTo(1));
            Assert.That(publisher.Disposed, Is.True, "the container flushed the emitter");
        });
    }

    [Test]
    public async Task A_consumer_that_always_throws_fails_once_with_its_exception_after_its_retry()
    {
        var publisher = new RecordingPublisher();
        await using var bus = await StartAsync(publisher, e => e.UseMessageRetry(r => r.Immediate(1)));
        var endpoint = await bus.GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{Queue}"));
        await endpoint.Send(new ShipParcel(1));

        await Waiting.UntilAsync(() => publisher.Count(EventType.JobFailed, nameof(ShipParcelConsumer)) == 1, "job-failed", detail: publisher.Describe);
        Assert.Multiple(() =>
        {
            Assert.That(publisher.Count(EventType.JobStarted, nameof(ShipParcelConsumer)), Is.EqualTo(2));
            Assert.That(publisher.Of(EventType.JobRetried, nameof(ShipParcelConsumer)).Single().Exception, Is.EqualTo(nameof(InvalidOperationException)));
            Assert.That(publisher.Of(EventType.JobFailed, nameof(ShipParcelConsumer)).Single().Exception, Is.EqualTo(nameof(InvalidOperationException)));
        });
    }

    [Test]
    public async Task A_publisher_that_throws_never_reaches_the_consumer_and_is_counted()
    {
        var publisher = new RecordingPublisher { Throw = new InvalidOperationException("publisher broke") };
        await using var bus = await StartAsync(publisher);
        var endpoint = await bus.GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{Queue}"));
        var batch = Guid.NewGuid().ToString("N");
        await endpoint.Send(new CountMe(batch));

        await Waiting.UntilAsync(() => CountingConsumer.Count(batch) == 1, "the message to be consumed although every publish throws");
        await Waiting.UntilAsync(() => bus.GetRequiredService<JobEmitter>().Errors >= 3, "job-sent, job-received and job-started counted as failures");
    }

    // A bus on the in-memory transport with the emitter set up in one line and its publisher swapped for the recorder.
    private static async Task<ServiceProvider> StartAsync(RecordingPublisher publisher, Action<IReceiveEndpointConfigurator>? endpoint = null)
    {
        var services = new ServiceCollection();
        services.AddMassTransit(x =>
        {
            x.AddConsumer<PlaceOrderConsumer>();
            x.AddConsumer<ShipParcelConsumer>();
            x.AddConsumer<CountingConsumer>();
            x.AddJobExporter(o =>
            {
                o.BrokerUrl = new Uri("amqp://127.0.0.1:1/"); // never contacted
                o.Hostname = "unit-mt";
            });
            x.UsingInMemory((context, cfg) =>
            {
                cfg.UseJobExporter(context);
                cfg.ReceiveEndpoint(Queue, e =>
                {
                    endpoint?.Invoke(e);
                    e.ConfigureConsumer<PlaceOrderConsumer>(context);
                    e.ConfigureConsumer<ShipParcelConsumer>(context);
                    e.ConfigureConsumer<CountingConsumer>(context);
                });
            });
        });
        services.AddSingleton(provider => new JobEmitter(provider.GetRequiredService<IOptions<JobExporterMassTransitOptions>>(), publisher: publisher));
        var provider = services.BuildServiceProvider();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await provider.GetRequiredService<IBusControl>().StartAsync(timeout.Token);
        return provider;
    }
}
