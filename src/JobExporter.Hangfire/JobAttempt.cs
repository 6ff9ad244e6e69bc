using System.Diagnostics;

namespace JobExporter.Hangfire;

/// <summary>
/// The attempt a worker thread is performing, from job-started to the election of the job's next state. Hangfire's
/// worker does all three on one thread (performing filters, the job, performed filters, then the state change), so the
/// attempt lives with the thread and is reused from job to job: nothing to allocate, and no entry in the job's items,
/// which Hangfire copies twice into the next state change.
/// </summary>
internal sealed class JobAttempt
{
    [ThreadStatic]
    private static JobAttempt? _thisThread;

    /// <summary>This thread's attempt, whatever job it was for (see <see cref="Of"/>).</summary>
    public static JobAttempt ThisThread => _thisThread ??= new JobAttempt();

    public string? JobId { get; private set; }
    public string Name { get; private set; } = "";
    public string Queue { get; private set; } = "";
    public long StartedAt { get; private set; }
    public long? FinishedAt { get; set; }

    /// <summary>The type name of the exception the job threw, when it threw.</summary>
    public string? Exception { get; set; }

    public double Runtime => ((FinishedAt ?? Stopwatch.GetTimestamp()) - StartedAt) / (double)Stopwatch.Frequency;

    /// <summary>This thread now performs <paramref name="jobId"/>; the runtime clock starts.</summary>
    public void Start(string jobId, string name, string queue)
    {
        JobId = jobId;
        Name = name;
        Queue = queue;
        Exception = null;
        FinishedAt = null;
        StartedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Forgets the job: its attempt has no outcome here (a shutdown put it back), or its outcome is published.</summary>
    public void End() => JobId = null;

    /// <summary>This thread's attempt at <paramref name="jobId"/>, or null when this thread did not start that job.</summary>
    public static JobAttempt? Of(string jobId) => _thisThread is { } attempt && attempt.JobId == jobId ? attempt : null;
}
