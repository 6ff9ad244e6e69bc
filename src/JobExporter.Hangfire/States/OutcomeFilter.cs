using Hangfire.States;
using Hangfire.Storage;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.States;

/// <summary>
/// Publishes what happens to a job after it threw, or when it is deleted, from the state Hangfire applies:
/// Failed (or Deleted because the retries ran out) is job-failed; any other state after a failed attempt
/// (Scheduled or Enqueued by <c>AutomaticRetry</c>) is job-retried; Deleted otherwise is job-revoked, except
/// right after a filter cancelled the job (Hangfire deletes a cancelled job; job-rejected said it all).
/// </summary>
internal sealed class OutcomeFilter(JobExporterEmitter emitter) : IApplyStateFilter
{
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        try
        {
            // Only a job leaving Processing can have an attempt waiting for its outcome.
            var ended = context.OldStateName == ProcessingState.StateName ? emitter.Jobs.TakeEnded(context.BackgroundJob.Id) : null;
            if (ended is { Rejected: true }) return;
            switch (context.NewState)
            {
                case FailedState failed:
                    PublishFailed(context, ended, failed.Exception);
                    break;
                case DeletedState:
                    if (ended is not null) PublishFailed(context, ended, null);
                    else PublishRevoked(context);
                    break;
                case ProcessingState or SucceededState:
                    break;
                default:
                    if (ended is { } retried)
                    {
                        emitter.Publish(emitter.Events.Job(EventType.JobRetried, retried.Name, retried.Queue, retried.JobId) with
                        {
                            Runtime = retried.Runtime,
                            Exception = retried.Exception,
                        });
                    }
                    break;
            }
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnStateApplied), ex);
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }

    private void PublishFailed(ApplyStateContext context, JobAttempt? attempt, Exception? exception)
    {
        var job = context.BackgroundJob;
        // Without an attempt the job failed before it could run (its type or arguments could not be loaded).
        var e = attempt is null
            ? emitter.Events.Job(EventType.JobFailed, JobNames.Of(job.Job), JobQueues.Of(job.Job), job.Id) with
            {
                Runtime = 0,
                Exception = exception is null ? null : ExceptionNames.Of(exception),
            }
            : emitter.Events.Job(EventType.JobFailed, attempt.Name, attempt.Queue, attempt.JobId) with
            {
                Runtime = attempt.Runtime,
                Exception = attempt.Exception,
            };
        emitter.Publish(e);
    }

    private void PublishRevoked(ApplyStateContext context)
    {
        var job = context.BackgroundJob;
        emitter.Publish(emitter.Events.Job(EventType.JobRevoked, JobNames.Of(job.Job), QueueOfDeleted(context), job.Id));
    }

    // A job deleted while enqueued is in the queue its enqueued state names; deletions are rare, so read it.
    private static string QueueOfDeleted(ApplyStateContext context)
    {
        if (context.OldStateName == EnqueuedState.StateName
            && context.Connection.GetStateData(context.BackgroundJob.Id) is { Data: { } data } state
            && state.Name == EnqueuedState.StateName
            && data.TryGetValue("Queue", out var queue) && !string.IsNullOrEmpty(queue))
        {
            return queue;
        }
        return JobQueues.Of(context.BackgroundJob.Job);
    }
}
