using JobExporter.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace JobExporter.MassTransit.Tests;

/// <summary>
/// A real MassTransit bus in the test process, on a real RabbitMQ node, with every test consumer registered,
/// the endpoints the test configures, and (unless told otherwise) the JobExporter emitter set up in one line.
/// Disposing stops the bus and then the container, which flushes the emitter.
/// </summary>
internal sealed class TestBus : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private bool _stopped;

    private TestBus(ServiceProvider provider)
    {
        _provider = provider;
        Bus = provider.GetRequiredService<IBusControl>();
    }

    public IBusControl Bus { get; }

    /// <summary>The emitter, when the bus has one.</summary>
    public JobEmitter? Emitter => _provider.GetService<JobEmitter>();

    public static async Task<TestBus> StartAsync(RabbitMqNode node, Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator> endpoints,
        Action<JobExporterMassTransitOptions>? emitter, bool useJobExporterOnBus = true, Action<IBusRegistrationConfigurator>? registration = null)
    {
        var services = new ServiceCollection();
        services.AddMassTransit(x =>
        {
            x.AddConsumer<PlaceOrderConsumer>();
            x.AddConsumer<AuditOrderConsumer>();
            x.AddConsumer<ChargeCardConsumer>();
            x.AddConsumer<ShipParcelConsumer>();
            x.AddConsumer<HoldJobConsumer>();
            x.AddConsumer<CountingConsumer>();
            registration?.Invoke(x);
            if (emitter is not null) x.AddJobExporter(emitter);
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host("127.0.0.1", (ushort)node.Port, "/", h =>
                {
                    h.Username("guest");
                    h.Password("guest");
                });
                if (emitter is not null && useJobExporterOnBus) cfg.UseJobExporter(context);
                endpoints(context, cfg);
            });
        });
        var bus = new TestBus(services.BuildServiceProvider(validateScopes: true));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await bus.Bus.StartAsync(timeout.Token);
        return bus;
    }

    public async Task SendAsync<T>(string queue, T message) where T : class
    {
        var endpoint = await Bus.GetSendEndpoint(new Uri($"queue:{queue}"));
        await endpoint.Send(message);
    }

    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Bus.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _provider.DisposeAsync();
    }
}
