using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobExporter.Demo.MassTransit;

/// <summary>Sends <see cref="DemoOptions.JobsPerSecond"/> messages a second to the demo queues, two orders to one payment.</summary>
internal sealed class MessageProducer(IBus bus, IOptions<DemoOptions> options, ILogger<MessageProducer> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / options.Value.JobsPerSecond));
        var id = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                id++;
                try
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
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning("Could not send message {Id}: {Error}", id, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
