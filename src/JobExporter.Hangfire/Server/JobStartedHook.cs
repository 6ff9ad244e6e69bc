using Hangfire.Server;
using JobExporter.Contracts;
using JobExporter.Hangfire.States;

namespace JobExporter.Hangfire.Server;

/// <summary>
/// The perform hooks, inside every global filter: publishes job-started (with the wait since enqueue) right before the
/// job's method runs, once the other filters have let it through, and times the job. What the attempt comes to is
/// published by <see cref="OutcomeHook"/>, from the state Hangfire elects next.
/// </summary>
internal sealed class JobStartedHook(JobExporterEmitter emitter)
{
    public void OnPerforming(PerformingContext context)
    {
        try
        {
            var job = context.BackgroundJob;
            var attempt = JobAttempt.Of(job.Id);
            if (attempt is not { Now: JobAttempt.Phase.Received })
            {
                // Not taken through the election here (another Hangfire version, say): what the job itself carries.
                var facts = EnqueuedFacts.Of(job);
                attempt = JobAttempt.ThisThread;
                attempt.Receive(job.Id, JobNames.Of(job.Job), facts.Queue, facts.EnqueuedAt);
            }
            double? wait = attempt.EnqueuedAt is { } at ? Math.Max(0, emitter.Now() - at) : null;
            emitter.Core.JobStarted();
            emitter.PublishJob(EventType.JobStarted, attempt.Name, attempt.Queue, job.Id, wait: wait);
            attempt.Start();
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnPerforming), ex);
        }
    }

    public void OnPerformed(PerformedContext context)
    {
        if (JobAttempt.Of(context.BackgroundJob.Id) is not { Now: JobAttempt.Phase.Started } attempt) return;
        try
        {
            emitter.Core.JobEnded();
            if (IsShutdown(context)) attempt.Forget();
            else attempt.Finish(context.Exception is { } exception && !context.ExceptionHandled ? ExceptionNames.Of(exception) : null);
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
