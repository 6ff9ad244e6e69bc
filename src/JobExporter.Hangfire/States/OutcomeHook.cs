using Hangfire.States;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.States;

/// <summary>
/// Publishes what a job came to from the state Hangfire elects for it after the other global election filters have had
/// their say (so after <c>AutomaticRetry</c> turned a failure into a retry). Leaving Processing, a failure elected
/// (Failed, or replaced on the way by a retry or a delete) is job-failed when the job ends Failed or Deleted and
/// job-retried otherwise, whether the job threw or a filter around it did; Deleted after a filter cancelled the job is
/// job-rejected; Deleted otherwise is job-revoked (a user deleted it while it ran); any other state is job-succeeded.
/// Outside Processing, Failed is job-failed (the job could not even be loaded) and Deleted is job-revoked.
/// </summary>
internal sealed class OutcomeHook(JobExporterEmitter emitter)
{
    // What Hangfire 1.8 puts in the job's items (handed to this election as custom data) when a filter cancels the job.
    private const string CanceledKey = "X_HF_Canceled";

    public void OnElected(ElectStateContext context)
    {
        try
        {
            if (context.CurrentState == ProcessingState.StateName) LeavingProcessing(context);
            else if (context.CandidateState is FailedState failed) Publish(EventType.JobFailed, context, taken: null, ran: null, failed);
            else if (context.CandidateState is DeletedState) Publish(EventType.JobRevoked, context, taken: null, ran: null, failure: null);
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnElected), ex);
        }
    }

    private void LeavingProcessing(ElectStateContext context)
    {
        var candidate = context.CandidateState;
        // The worker elects the next state on the thread that took the job; a user's delete comes from another thread.
        var taken = JobAttempt.Of(context.BackgroundJob.Id);
        switch (taken?.Now)
        {
            case JobAttempt.Phase.Reported:
                // The worker retries a state change that failed to commit: published the first time.
                return;
            case JobAttempt.Phase.Started:
                // The job changes its own state while it runs: that change is its outcome.
                if (candidate is DeletedState) Publish(EventType.JobRevoked, context, taken, ran: null, failure: null);
                return;
        }
        // Received only: a filter cancelled the job or threw before it ran. Finished: it ran.
        var ran = taken?.Now == JobAttempt.Phase.Finished ? taken : null;
        taken?.Reported();
        if (candidate is ProcessingState) return; // taken again after a shutdown: received anew
        if (candidate is SucceededState)
        {
            if (ran is not null) Publish(EventType.JobSucceeded, context, taken, ran, failure: null);
        }
        else if ((candidate as FailedState ?? Failure(context)) is { } failure)
        {
            Publish(candidate is FailedState or DeletedState ? EventType.JobFailed : EventType.JobRetried, context, taken, ran, failure);
        }
        else if (candidate is DeletedState)
        {
            var canceled = context.CustomData is { } items && items.ContainsKey(CanceledKey);
            var type = canceled || taken is not null && ran is null ? EventType.JobRejected
                : ran is not null ? EventType.JobSucceeded // a filter deleted a job that ran without failing
                : EventType.JobRevoked;
            Publish(type, context, taken, ran, failure: null);
        }
        else if (ran is not null)
        {
            // A filter moved a job that ran without failing to another state than Succeeded.
            Publish(EventType.JobSucceeded, context, taken, ran, failure: null);
        }
    }

    // The failure a retry filter replaced (AutomaticRetry elects Failed, then Scheduled, Enqueued or Deleted instead).
    private static FailedState? Failure(ElectStateContext context)
    {
        foreach (var state in context.TraversedStates)
        {
            if (state is FailedState failed) return failed;
        }
        return null;
    }

    // Name and queue from the attempt this thread took, else from the job; runtime and exception from the run, if any.
    private void Publish(EventType type, ElectStateContext context, JobAttempt? taken, JobAttempt? ran, FailedState? failure)
    {
        var job = context.BackgroundJob;
        var exception = ran?.Exception ?? (failure?.Exception is { } thrown ? ExceptionNames.Of(thrown) : null);
        double? runtime = type is EventType.JobSucceeded or EventType.JobFailed or EventType.JobRetried ? ran?.Runtime ?? 0 : null;
        emitter.PublishJob(type, taken?.Name ?? JobNames.Of(job.Job), taken?.Queue ?? EnqueuedFacts.Of(context).Queue, job.Id,
            runtime: runtime, exception: exception);
    }
}
