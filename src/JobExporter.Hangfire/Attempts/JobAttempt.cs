using System.Diagnostics;

namespace JobExporter.Hangfire.Attempts;

/// <summary>
/// The job a worker thread took, from the election that moved it to Processing to the election of the state it goes to
/// next: the values <see cref="AttemptRules"/> decide from, and what the events are named by. Hangfire 1.8's worker does
/// all of it on one thread, so <see cref="WorkerFilter"/> keeps one attempt per thread and reuses it from job to job:
/// nothing to allocate, and no entry in the job's items, which Hangfire copies twice into the next state change.
/// </summary>
internal sealed class JobAttempt
{
    public string? JobId { get; private set; }
    public string Name { get; private set; } = "";
    public string Queue { get; private set; } = "";

    /// <summary>When the job was enqueued (Unix seconds), when known.</summary>
    public double? EnqueuedAt { get; private set; }

    public AttemptPhase Phase { get; private set; }

    /// <summary>Stopwatch timestamps of the run.</summary>
    public long StartedAt { get; private set; }
    public long FinishedAt { get; private set; }

    /// <summary>The type name of the exception the job threw, when it threw.</summary>
    public string? Exception { get; private set; }

    /// <summary>Seconds the job ran, once it has finished.</summary>
    public double Runtime => Phase is AttemptPhase.Finished or AttemptPhase.Reported ? (FinishedAt - StartedAt) / (double)Stopwatch.Frequency : 0;

    /// <summary>The phase of this attempt at <paramref name="jobId"/>: <see cref="AttemptPhase.None"/> when it is for another job.</summary>
    public AttemptPhase PhaseOf(string jobId) => JobId == jobId ? Phase : AttemptPhase.None;

    /// <summary>Seconds from enqueue to <paramref name="now"/> (Unix seconds), when the enqueue time is known; clocks drift, so never below 0.</summary>
    public double? WaitAt(double now) => EnqueuedAt is { } at ? Math.Max(0, now - at) : null;

    /// <summary>This thread takes <paramref name="jobId"/>: a new attempt, with nothing run yet.</summary>
    public void Take(string jobId, string name, string queue, double? enqueuedAt)
    {
        JobId = jobId;
        Name = name;
        Queue = queue;
        EnqueuedAt = enqueuedAt;
        Exception = null;
        Phase = AttemptPhase.Received;
    }

    /// <summary>Moves to <paramref name="phase"/>: the run's clock starts at Started and stops at Finished; None forgets the job.</summary>
    public void MoveTo(AttemptPhase phase, long timestamp, string? exception = null)
    {
        switch (phase)
        {
            case AttemptPhase.None:
                JobId = null;
                break;
            case AttemptPhase.Started:
                StartedAt = timestamp;
                break;
            case AttemptPhase.Finished:
                FinishedAt = timestamp;
                Exception = exception;
                break;
        }
        Phase = phase;
    }
}
