using System.Diagnostics;
using Hangfire.Server;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.Server;

/// <summary>
/// The innermost perform filter: publishes job-started (with the wait since enqueue) right before the job's
/// method runs, once every other filter has let it through, and stops the runtime clock right after.
/// </summary>
internal sealed class JobStartedFilter(JobExporterEmitter emitter) : IServerFilter
{
    public void OnPerforming(PerformingContext context)
    {
        try
        {
            if (!context.Items.TryGetValue(JobReceivedFilter.AttemptKey, out var item) || item is not JobAttempt attempt) return;
            emitter.Publish(emitter.Events.Job(EventType.JobStarted, attempt.Name, attempt.Queue, attempt.JobId, wait: attempt.Wait));
            attempt.StartedAt = Stopwatch.GetTimestamp();
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnPerforming), ex);
        }
    }

    public void OnPerformed(PerformedContext context)
    {
        if (context.Items.TryGetValue(JobReceivedFilter.AttemptKey, out var item) && item is JobAttempt attempt)
        {
            attempt.FinishedAt = Stopwatch.GetTimestamp();
        }
    }
}
