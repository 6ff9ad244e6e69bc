using Hangfire.Server;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.Server;

/// <summary>
/// The outermost perform filter: publishes job-received when a worker takes the job, then, once it is done,
/// job-succeeded, job-rejected (another filter cancelled it), or remembers the exception for
/// <see cref="States.OutcomeFilter"/>, which knows whether Hangfire retries it or fails it for good.
/// </summary>
internal sealed class JobReceivedFilter(JobExporterEmitter emitter) : IServerFilter
{
    public const string AttemptKey = "JobExporter.Attempt";

    public void OnPerforming(PerformingContext context)
    {
        try
        {
            var id = context.BackgroundJob.Id;
            var job = context.BackgroundJob.Job;
            string queue;
            double? wait = null;
            // The parameters came with the job: no storage read. Otherwise the DequeuedFilter has read them.
            if (context.BackgroundJob.ParametersSnapshot is { } parameters
                && parameters.TryGetValue(States.EnqueuedFacts.ParameterName, out var facts)
                && States.EnqueuedFacts.TryParse(facts, out var enqueuedQueue, out var enqueuedAt))
            {
                queue = enqueuedQueue;
                wait = Math.Max(0, emitter.Now() - enqueuedAt);
            }
            else if (emitter.Jobs.TryTakeDequeued(id, out var dequeued))
            {
                queue = dequeued.Queue;
                if (dequeued.EnqueuedAt is { } at) wait = Math.Max(0, emitter.Now() - at);
            }
            else
            {
                queue = JobQueues.Of(job);
            }
            var attempt = new JobAttempt(id, JobNames.Of(job), queue, wait);
            context.Items[AttemptKey] = attempt;
            emitter.Core.JobStarted();
            emitter.Publish(emitter.Events.Job(EventType.JobReceived, attempt.Name, attempt.Queue, id));
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnPerforming), ex);
        }
    }

    public void OnPerformed(PerformedContext context)
    {
        try
        {
            if (!context.Items.TryGetValue(AttemptKey, out var item) || item is not JobAttempt attempt) return;
            emitter.Core.JobEnded();
            attempt.FinishedAt ??= System.Diagnostics.Stopwatch.GetTimestamp();
            if (context.Canceled)
            {
                emitter.Publish(emitter.Events.Job(EventType.JobRejected, attempt.Name, attempt.Queue, attempt.JobId));
                // Hangfire then deletes the job; that deletion is part of the rejection, not a revoke.
                attempt.Rejected = true;
                emitter.Jobs.Ended(attempt);
            }
            else if (context.Exception is null || context.ExceptionHandled)
            {
                emitter.Publish(emitter.Events.Job(EventType.JobSucceeded, attempt.Name, attempt.Queue, attempt.JobId, runtime: attempt.Runtime));
            }
            else if (!IsShutdown(context))
            {
                attempt.Exception = ExceptionNames.Of(context.Exception);
                emitter.Jobs.Ended(attempt);
            }
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
