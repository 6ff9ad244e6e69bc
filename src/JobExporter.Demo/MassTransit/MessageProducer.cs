using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobExporter.Demo.MassTransit;

/// <summary>Sends <see cref="DemoOptions.JobsPerSecond"/> messages a second to the demo queues, two orders to one payment.</summary>
internal sealed class MessageProducer(IBus bus, IOptions<DemoOptions> options, ILogger<MessageProducer> log)
    : PacedProducer(options.Value, log)
{
    protected override async Task ProduceAsync(int id, CancellationToken stoppingToken)
    {
        if (id % 3 == 0)
        {
            var payments = await bus.GetSendEndpoint(new Uri("queue:payments"));
            await payments.Send(new ChargePayment(id, Random.Shared.Next(5, 500)), stoppingToken);
        }
        else
        {
            var orders = await bus.GetSendEndpoint(new Uri("queue:orders"));
            await orders.Send(new PlaceOrder(id), stoppingToken);
        }
    }
}
