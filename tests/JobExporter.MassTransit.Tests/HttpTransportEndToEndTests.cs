using JobExporter.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>No broker for the events: a real bus on MassTransit's in-memory transport, its emitter sending over HTTP to the real exporter binary.</summary>
[TestFixture]
public sealed class HttpTransportEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Every_outcome_of_an_in_memory_bus_is_counted_exactly_over_http()
    {
        await using var exporter = await IngestExporter.StartAsync("--systems", "masstransit");
        var hostname = Broker.UniqueName("mt-http");
        var queue = Broker.UniqueName("orders");
        var services = new ServiceCollection();
        services.AddMassTransit(x =>
        {
            x.AddConsumer<PlaceOrderConsumer>();
            x.AddConsumer<ShipParcelConsumer>();
            x.AddJobExporter(o =>
            {
                o.ExporterUrl = exporter.BaseUrl;
                o.Hostname = hostname;
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
            });
            x.UsingInMemory((context, cfg) =>
            {
                cfg.UseJobExporter(context);
                cfg.ReceiveEndpoint(queue, e =>
                {
                    e.ConfigureConsumer<PlaceOrderConsumer>(context);
                    e.ConfigureConsumer<ShipParcelConsumer>(context);
                });
            });
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        using (var timeout = new CancellationTokenSource(Deadline)) await bus.StartAsync(timeout.Token);
        try
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{queue}"));
            for (var i = 0; i < 20; i++) await endpoint.Send(new PlaceOrder(i));
            await endpoint.Send(new ShipParcel(1));

            (string, string)[] host = [("system", "masstransit"), ("hostname", hostname)];
            var m = await exporter.WaitForMetricsAsync(mm =>
                    mm.Value("jobs_succeeded_total", [.. host, ("name", nameof(PlaceOrderConsumer))]) == 20
                    && mm.Value("jobs_failed_total", [.. host, ("name", nameof(ShipParcelConsumer))]) == 1
                    && mm.Value("jobs_worker_up", host) == 1
                    // The drop count comes with the first heartbeat, after the worker's online event.
                    && mm.Has("jobs_emitter_dropped_events", host),
                Deadline, "every outcome counted and a heartbeat");

            Assert.Multiple(() =>
            {
                Assert.That(m.Value("jobs_sent_total", ("system", "masstransit"), ("name", nameof(PlaceOrder)), ("queue", queue)), Is.EqualTo(20));
                Assert.That(m.Value("jobs_received_total", [.. host, ("name", nameof(PlaceOrderConsumer))]), Is.EqualTo(20));
                Assert.That(m.Value("jobs_started_total", [.. host, ("name", nameof(PlaceOrderConsumer))]), Is.EqualTo(20));
                Assert.That(m.Value("jobs_succeeded_total", [.. host, ("name", nameof(PlaceOrderConsumer))]), Is.EqualTo(20));
                Assert.That(m.Value("jobs_failed_total", [.. host, ("name", nameof(ShipParcelConsumer)), ("exception", nameof(InvalidOperationException))]), Is.EqualTo(1));
                Assert.That(m.Value("jobs_emitter_dropped_events", host), Is.EqualTo(0));
                Assert.That(m.Value("jobs_exporter_events_duplicate_total"), Is.EqualTo(0));
            });
        }
        finally
        {
            using var timeout = new CancellationTokenSource(Deadline);
            await bus.StopAsync(timeout.Token);
        }
    }
}
