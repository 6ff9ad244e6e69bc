using MassTransit;

namespace JobExporter.Demo.MassTransit;

/// <summary>Charges payments; a tenth of the attempts time out and are retried, so most succeed in the end.</summary>
public sealed class PaymentConsumer(FailureSchedule failures) : IConsumer<ChargePayment>
{
    public async Task Consume(ConsumeContext<ChargePayment> context)
    {
        await Task.Delay(FailureSchedule.Runtime(0.05, 0.5), context.CancellationToken);
        if (failures.Fails(0.1)) throw new TimeoutException($"Payment {context.Message.PaymentId}: card network timed out.");
    }
}
