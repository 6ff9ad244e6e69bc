using JobExporter.Contracts;
using JobExporter.Testing;
using MassTransit;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>The one-line set-up alone covers endpoints that MassTransit configures from the registrations.</summary>
[TestFixture]
public sealed class ConfigureEndpointsTests
{
    [Test]
    public async Task AddJobExporter_alone_covers_the_endpoints_of_ConfigureEndpoints()
    {
        var hostname = Broker.UniqueName("mt-host");
        var prefix = Broker.UniqueName("auto");
        await using var tap = await EventTap.StartAsync(Broker.Node.AmqpUrl, JobEmitter.SystemName, hostname);
        await using (var bus = await TestBus.StartAsync(Broker.Node,
                         (context, cfg) => cfg.ConfigureEndpoints(context, filter => filter.Include<PlaceOrderConsumer>(),
                             new DefaultEndpointNameFormatter(prefix + "-", false)),
                         o =>
                         {
                             o.BrokerUrl = Broker.Node.AmqpUrl;
                             o.Hostname = hostname;
                         },
                         useJobExporterOnBus: false))
        {
            await bus.SendAsync($"{prefix}-PlaceOrder", new PlaceOrder(1));
            await tap.WaitForCountAsync(EventType.JobSucceeded, nameof(PlaceOrderConsumer), 1);
        }
        await tap.WaitForCountAsync(EventType.WorkerOffline, null, 1);

        Assert.That(tap.Count(EventType.JobStarted, nameof(PlaceOrderConsumer)), Is.EqualTo(1));
        Assert.That(tap.Of(EventType.JobSucceeded).Single().Queue, Is.EqualTo($"{prefix}-PlaceOrder"));
    }
}
