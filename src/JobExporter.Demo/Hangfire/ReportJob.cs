using Hangfire;

namespace JobExporter.Demo.Hangfire;

/// <summary>A slow job that times out now and then and is retried twice.</summary>
public sealed class ReportJob(FailureSchedule failures)
{
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [2, 5])]
    public async Task Build(int reportId)
    {
        await Task.Delay(FailureSchedule.Runtime(0.5, 3));
        if (failures.Fails(0.15)) throw new TimeoutException($"Report {reportId} query timed out.");
    }
}
