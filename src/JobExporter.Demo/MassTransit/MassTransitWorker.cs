using JobExporter.MassTransit;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace JobExporter.Demo.MassTransit;

/// <summary>
/// The demo MassTransit worker: a real bus over RabbitMQ with two consumers and retries, the JobExporter emitter set up
/// exactly as docs/quick-start.md, "Add it to your MassTransit bus", shows (a test keeps its snippet equal to this code),
/// and a producer that sends it a steady stream of messages. Orders that cannot be placed end in <c>orders_error</c>.
/// </summary>
internal static class MassTransitWorker
{
    public static Task<int> RunAsync(string[] args) => DemoHost.RunAsync<MessageProducer>(args, builder =>
    {
        builder.Services.AddMassTransit(x =>
        {
            x.AddConsumer<OrderConsumer>().Endpoint(e => e.Name = "orders");
            x.AddConsumer<PaymentConsumer>().Endpoint(e => e.Name = "payments");
            x.AddJobExporter();
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(builder.Configuration["RabbitMq:Url"]!));
                cfg.UseMessageRetry(r => r.Immediate(2));
                cfg.ConfigureEndpoints(context);
            });
        });
    });
}
