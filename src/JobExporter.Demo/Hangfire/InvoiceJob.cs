using Hangfire;

namespace JobExporter.Demo.Hangfire;

/// <summary>The critical job: it is not retried, and it fails in bursts (<see cref="FailureSchedule.InBurst"/>).</summary>
public sealed class InvoiceJob(FailureSchedule failures)
{
    [Queue("critical")]
    [AutomaticRetry(Attempts = 0)]
    public async Task Send(int invoiceId)
    {
        await Task.Delay(FailureSchedule.Runtime(0.05, 0.4));
        if (failures.CriticalFails(0.01)) throw new HttpRequestException($"Payment provider refused invoice {invoiceId}.");
    }
}
