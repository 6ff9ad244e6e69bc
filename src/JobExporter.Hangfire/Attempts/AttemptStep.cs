using JobExporter.Contracts;

namespace JobExporter.Hangfire.Attempts;

/// <summary>What one hook call does to the thread's attempt, decided by <see cref="AttemptRules"/>: at most one event to publish.</summary>
/// <param name="Next">The attempt's phase after the call.</param>
/// <param name="Event">The event to publish, if any.</param>
/// <param name="Runtime">The event's runtime in seconds (job-succeeded, job-failed, job-retried).</param>
/// <param name="Exception">The event's exception type name.</param>
/// <param name="Takes">The attempt starts anew: its name, queue and enqueue time are read from the job before publishing.</param>
/// <param name="ByAttempt">The event is named by the attempt this thread took; else by the job itself.</param>
/// <param name="Running">Jobs running on this worker: +1 when the job starts, -1 when it ends, else 0.</param>
internal readonly record struct AttemptStep(
    AttemptPhase Next,
    EventType? Event = null,
    double? Runtime = null,
    string? Exception = null,
    bool Takes = false,
    bool ByAttempt = false,
    int Running = 0);
