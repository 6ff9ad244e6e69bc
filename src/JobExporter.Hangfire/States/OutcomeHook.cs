using Hangfire.States;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.States;

/// <summary>
/// Publishes what a job came to from the state Hangfire elects for it, once the other election filters have had their
/// say (so after <c>AutomaticRetry</c> turned a failure into a retry). Leaving Processing after an attempt: Succeeded is
/// job-succeeded (also when an outer filter handled the exception); Failed, or Deleted because the retries ran out, is
/// job-failed; any other state after a throw (Scheduled or Enqueued by <c>AutomaticRetry</c>) is job-retried. Leaving
/// Processing without an attempt: Deleted by the worker is job-rejected (a filter cancelled the job before it started),
/// Failed is job-failed (the job could not be loaded or a filter threw first). Deleted otherwise is job-revoked.
/// </summary>
internal sealed class OutcomeHook(JobExporterEmitter emitter)
{
    public void OnElected(ElectStateContext context)
    {
        try
        {
            if (context.CurrentState == ProcessingState.StateName) LeavingProcessing(context);
            else if (context.CandidateState is FailedState failed) PublishFailedBeforeRun(context, failed.Exception);
            else if (context.CandidateState is DeletedState) PublishRevoked(context);
        }
        catch (Exception ex)
        {
            emitter.HookFailed("outcome", ex);
        }
    }

    private void LeavingProcessing(ElectStateContext context)
    {
        var id = context.BackgroundJob.Id;
        // The worker elects the job's next state on the thread that performed it; any other thread (a user's delete) did not.
        var attempt = JobAttempt.Of(id);
        attempt?.End();
        var candidate = context.CandidateState;
        if (attempt is null)
        {
            // What a job that never started left behind (facts read for a job a filter then cancelled).
            emitter.Jobs.TryTakeDequeued(id, out _);
            switch (candidate)
            {
                case FailedState failed:
                    PublishFailedBeforeRun(context, failed.Exception);
                    break;
                // The worker hands over the job's items (as custom data) with a cancellation; a user's delete has none.
                case DeletedState when context.CustomData is not null:
                    PublishRejected(context);
                    break;
                case DeletedState:
                    PublishRevoked(context);
                    break;
            }
            return;
        }
        switch (candidate)
        {
            case SucceededState:
                Publish(EventType.JobSucceeded, attempt, id, exception: null);
                break;
            case FailedState failed:
                Publish(EventType.JobFailed, attempt, id, attempt.Exception ?? (failed.Exception is null ? null : ExceptionNames.Of(failed.Exception)));
                break;
            case DeletedState when attempt.Exception is not null:
                Publish(EventType.JobFailed, attempt, id, attempt.Exception);
                break;
            default:
                // A retry after a throw; a job that did not throw has succeeded, whatever state a filter moves it to.
                if (attempt.Exception is not null) Publish(EventType.JobRetried, attempt, id, attempt.Exception);
                else Publish(EventType.JobSucceeded, attempt, id, exception: null);
                break;
        }
    }

    private void Publish(EventType type, JobAttempt attempt, string jobId, string? exception) =>
        emitter.PublishJob(type, attempt.Name, attempt.Queue, jobId, runtime: attempt.Runtime, exception: exception);

    // The job failed before it could run (its type or arguments could not be loaded, or a filter threw first).
    private void PublishFailedBeforeRun(ElectStateContext context, Exception? exception)
    {
        var job = context.BackgroundJob;
        emitter.PublishJob(EventType.JobFailed, JobNames.Of(job.Job), QueueOf(context), job.Id, runtime: 0,
            exception: exception is null ? null : ExceptionNames.Of(exception));
    }

    private void PublishRejected(ElectStateContext context)
    {
        var job = context.BackgroundJob;
        emitter.PublishJob(EventType.JobRejected, JobNames.Of(job.Job), QueueOf(context), job.Id);
    }

    private void PublishRevoked(ElectStateContext context)
    {
        var job = context.BackgroundJob;
        emitter.PublishJob(EventType.JobRevoked, JobNames.Of(job.Job), QueueOf(context), job.Id);
    }

    // Rare outcomes, so a read is fine: the queue the job's facts name, else the one its enqueued state names (a job
    // deleted while enqueued), else the one Hangfire's job knows.
    private static string QueueOf(ElectStateContext context)
    {
        var job = context.BackgroundJob;
        if (EnqueuedFacts.TryRead(job, out var facts)) return facts.Queue;
        if (context.CurrentState == EnqueuedState.StateName
            && context.Connection.GetStateData(job.Id) is { Data: { } data } state
            && state.Name == EnqueuedState.StateName
            && data.TryGetValue("Queue", out var queue) && !string.IsNullOrEmpty(queue))
        {
            return queue;
        }
        return JobQueues.Of(job.Job);
    }
}
