using System.Diagnostics;

namespace JobExporter.Hangfire;

/// <summary>
/// The job a worker thread took, from the election that moved it to Processing to the election of the state it goes to
/// next. Hangfire 1.8's worker does all of it on one thread (that election, the performing filters, the job, the
/// performed filters, the next state change), so the attempt lives with the thread and is reused from job to job:
/// nothing to allocate, and no entry in the job's items, which Hangfire copies twice into the next state change. Its
/// phase also tells a state change the worker retries (after a failed commit) from the first one.
/// </summary>
internal sealed class JobAttempt
{
    [ThreadStatic]
    private static JobAttempt? _thisThread;

    public enum Phase
    {
        /// <summary>Moved to Processing here; no filter has let it run yet.</summary>
        Received,

        /// <summary>Its method runs (the innermost performing hook has run).</summary>
        Started,

        /// <summary>Its method has returned or thrown.</summary>
        Finished,

        /// <summary>What it came to is published; elections after this one are the worker retrying its state change.</summary>
        Reported,
    }

    /// <summary>This thread's attempt, whatever job it was for.</summary>
    public static JobAttempt ThisThread => _thisThread ??= new JobAttempt();

    /// <summary>This thread's attempt at <paramref name="jobId"/>, or null when this thread did not take that job.</summary>
    public static JobAttempt? Of(string jobId) => _thisThread is { } attempt && attempt.JobId == jobId ? attempt : null;

    public string? JobId { get; private set; }
    public string Name { get; private set; } = "";
    public string Queue { get; private set; } = "";

    /// <summary>When the job was enqueued (Unix seconds), when known.</summary>
    public double? EnqueuedAt { get; private set; }

    public Phase Now { get; private set; }
    public long StartedAt { get; private set; }
    public long FinishedAt { get; private set; }

    /// <summary>The type name of the exception the job threw, when it threw.</summary>
    public string? Exception { get; private set; }

    public double Runtime => Now is Phase.Finished or Phase.Reported ? (FinishedAt - StartedAt) / (double)Stopwatch.Frequency : 0;

    /// <summary>This thread took <paramref name="jobId"/> from its queue.</summary>
    public void Receive(string jobId, string name, string queue, double? enqueuedAt)
    {
        JobId = jobId;
        Name = name;
        Queue = queue;
        EnqueuedAt = enqueuedAt;
        Exception = null;
        Now = Phase.Received;
    }

    /// <summary>The job's method is about to run: the runtime clock starts.</summary>
    public void Start()
    {
        Now = Phase.Started;
        StartedAt = Stopwatch.GetTimestamp();
    }

    public void Finish(string? exception)
    {
        FinishedAt = Stopwatch.GetTimestamp();
        Exception = exception;
        Now = Phase.Finished;
    }

    public void Reported() => Now = Phase.Reported;

    /// <summary>Forgets the job: a shutdown put it back in its queue, with no outcome yet.</summary>
    public void Forget() => JobId = null;
}
