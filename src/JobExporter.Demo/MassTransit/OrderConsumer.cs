using MassTransit;

namespace JobExporter.Demo.MassTransit;

/// <summary>Places orders; every 11th order is out of stock on every attempt, so it ends in <c>orders_error</c>.</summary>
public sealed class OrderConsumer : IConsumer<PlaceOrder>
{
    public async Task Consume(ConsumeContext<PlaceOrder> context)
    {
        await Task.Delay(FailureSchedule.Runtime(0.02, 0.2), context.CancellationToken);
        if (context.Message.OrderId % 11 == 0) throw new InvalidOperationException($"Order {context.Message.OrderId}: item out of stock.");
    }
}
