using System.Net.Mail;
using Hangfire;

namespace JobExporter.Demo.Hangfire;

/// <summary>A fast job that fails now and then and is retried once.</summary>
public sealed class EmailJob(FailureSchedule failures)
{
    [AutomaticRetry(Attempts = 1, DelaysInSeconds = [2])]
    public async Task Deliver(int emailId)
    {
        await Task.Delay(FailureSchedule.Runtime(0.02, 0.15));
        if (failures.Fails(0.08)) throw new SmtpException($"Mail server rejected email {emailId}.");
    }
}
