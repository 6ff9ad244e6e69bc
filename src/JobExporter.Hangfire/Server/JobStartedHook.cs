using Hangfire.Server;
using JobExporter.Contracts;
using JobExporter.Hangfire.States;

namespace JobExporter.Hangfire.Server;

/// <summary>
/// The innermost perform hooks: publishes job-started (with the wait since enqueue) right before the job's method runs,
/// once every other filter has let it through, and times the job alone. The attempt stays with the worker thread
/// (<see cref="JobAttempt"/>) until <see cref="OutcomeHook"/> publishes what it came to.
/// </summary>
internal sealed class JobStartedHook(JobExporterEmitter emitter)
{
    public void OnPerforming(PerformingContext context)
    {
        try
        {
            var job = context.BackgroundJob;
            if (!EnqueuedFacts.TryRead(job, out var facts) && !emitter.Jobs.TryTakeDequeued(job.Id, out facts))
            {
                facts = new EnqueuedFacts(JobQueues.Of(job.Job), null);
            }
            double? wait = facts.EnqueuedAt is { } at ? Math.Max(0, emitter.Now() - at) : null;
            var name = JobNames.Of(job.Job);
            emitter.Core.JobStarted();
            emitter.PublishJob(EventType.JobStarted, name, facts.Queue, job.Id, wait: wait);
            JobAttempt.ThisThread.Start(job.Id, name, facts.Queue);
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnPerforming), ex);
        }
    }

    public void OnPerformed(PerformedContext context)
    {
        if (JobAttempt.Of(context.BackgroundJob.Id) is not { } attempt) return;
        attempt.FinishedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            emitter.Core.JobEnded();
            if (IsShutdown(context)) attempt.End();
            else if (context.Exception is { } exception && !context.ExceptionHandled) attempt.Exception = ExceptionNames.Of(exception);
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnPerformed), ex);
        }
    }

    // A job stopped by a server shutdown is put back in its queue without a state change: no outcome yet.
    private static bool IsShutdown(PerformedContext context) =>
        context.Exception is JobAbortedException
        || context.Exception is OperationCanceledException && context.CancellationToken.ShutdownToken.IsCancellationRequested;
}
