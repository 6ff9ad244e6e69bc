using JobExporter.Contracts;

namespace JobExporter.Hangfire.Attempts;

/// <summary>
/// What a worker thread's attempt at a job publishes, as plain rules: the phase the attempt is in and what Hangfire
/// tells the hook in, the step (the next phase and at most one event) out. <see cref="WorkerFilter"/> turns Hangfire's
/// calls into these values and carries the steps out.
/// <para>
/// Outcomes. Leaving Processing, a failure elected (Failed, or replaced on the way by a retry or a delete) is
/// job-failed when the job ends Failed or Deleted and job-retried otherwise, whether the job threw or a filter around it
/// did; Deleted after a filter cancelled the job, or before it ran, is job-rejected; Deleted otherwise is job-revoked (a
/// user deleted it while it ran), or job-succeeded when it ran to the end; any other state is job-succeeded when the job
/// ran. Outside Processing, Failed is job-failed (the job could not even be loaded) and Deleted is job-revoked. Each
/// attempt reports once: elections after that are the worker retrying a state change that failed to commit.
/// </para>
/// </summary>
internal static class AttemptRules
{
    /// <summary>Hangfire elected a state for a job.</summary>
    /// <param name="election">The election, after the other global election filters.</param>
    /// <param name="phase">This thread's attempt at that job.</param>
    /// <param name="runtime">The attempt's runtime in seconds, when it ran to the end (phase Finished).</param>
    /// <param name="runException">The exception type name the job's method threw, when it threw and no filter handled it.</param>
    public static AttemptStep Elected(in Election election, AttemptPhase phase, double runtime = 0, string? runException = null)
    {
        if (election.Candidate is ElectedState.Processing)
        {
            // A worker took the job. The same election again (its first commit failed) received nothing new; leaving
            // Processing for Processing, a shutdown put the job back and it is received anew.
            return phase is AttemptPhase.Received && !election.FromProcessing
                ? new AttemptStep(phase)
                : new AttemptStep(AttemptPhase.Received, EventType.JobReceived, Takes: true, ByAttempt: true);
        }
        if (!election.FromProcessing) return Elsewhere(election, phase);
        switch (phase)
        {
            case AttemptPhase.Reported:
                // The worker retries a state change that failed to commit: published the first time.
                return new AttemptStep(phase);
            case AttemptPhase.Started:
                // The job changes its own state while it runs: that change is its outcome.
                return election.Candidate is ElectedState.Deleted
                    ? new AttemptStep(phase, EventType.JobRevoked, ByAttempt: true)
                    : new AttemptStep(phase);
        }
        // Received only: a filter cancelled the job or threw before it ran. Finished: it ran. None: not taken here.
        var taken = phase is not AttemptPhase.None;
        var ran = phase is AttemptPhase.Finished;
        var next = taken ? AttemptPhase.Reported : AttemptPhase.None;
        var type = LeavingProcessing(election, taken, ran);
        return type is { } t ? Outcome(next, t, election, ran, runtime, runException, byAttempt: taken) : new AttemptStep(next);
    }

    /// <summary>The job's method is about to run, every other filter having let it through: the job starts here.</summary>
    public static AttemptStep Performing(AttemptPhase phase) =>
        // Not taken through the election here (another Hangfire version, say): what the job itself carries, and no job-received.
        new(AttemptPhase.Started, EventType.JobStarted, Takes: phase is not AttemptPhase.Received, ByAttempt: true, Running: 1);

    /// <summary>The job's method has returned or thrown; <paramref name="shutdown"/> when a server shutdown stopped it.</summary>
    public static AttemptStep Performed(AttemptPhase phase, bool shutdown)
    {
        if (phase is not AttemptPhase.Started) return new AttemptStep(phase);
        // A job stopped by a shutdown is put back in its queue without a state change: no outcome yet, the attempt is forgotten.
        return new AttemptStep(shutdown ? AttemptPhase.None : AttemptPhase.Finished, Running: -1);
    }

    private static EventType? LeavingProcessing(in Election election, bool taken, bool ran)
    {
        var candidate = election.Candidate;
        if (candidate is ElectedState.Succeeded) return ran ? EventType.JobSucceeded : null;
        if (election.Failure) return candidate is ElectedState.Failed or ElectedState.Deleted ? EventType.JobFailed : EventType.JobRetried;
        if (candidate is ElectedState.Deleted)
        {
            return election.Canceled || taken && !ran ? EventType.JobRejected
                : ran ? EventType.JobSucceeded // a filter deleted a job that ran without failing
                : EventType.JobRevoked;
        }
        // A filter moved a job that ran without failing to another state than Succeeded.
        return ran ? EventType.JobSucceeded : null;
    }

    // Outside Processing: a state change nobody ran, such as a job that could not be loaded, or a user's delete.
    private static AttemptStep Elsewhere(in Election election, AttemptPhase phase) => election.Candidate switch
    {
        ElectedState.Failed => Outcome(phase, EventType.JobFailed, election, ran: false, 0, null, byAttempt: false),
        ElectedState.Deleted => Outcome(phase, EventType.JobRevoked, election, ran: false, 0, null, byAttempt: false),
        _ => new AttemptStep(phase),
    };

    // Runtime and exception from the run, if the job ran; else a runtime of 0 where one is due, and a failure's exception.
    private static AttemptStep Outcome(AttemptPhase next, EventType type, in Election election, bool ran, double runtime, string? runException,
        bool byAttempt)
    {
        double? eventRuntime = type is EventType.JobSucceeded or EventType.JobFailed or EventType.JobRetried ? (ran ? runtime : 0) : null;
        var failure = type is EventType.JobFailed or EventType.JobRetried ? election.FailureException : null;
        var exception = (ran ? runException : null) ?? failure;
        return new AttemptStep(next, type, eventRuntime, exception, ByAttempt: byAttempt);
    }
}
