namespace JobExporter.Demo.MassTransit;

/// <summary>Sent to the <c>orders</c> queue.</summary>
public sealed record PlaceOrder(int OrderId);

/// <summary>Sent to the <c>payments</c> queue.</summary>
public sealed record ChargePayment(int PaymentId, decimal Amount);
