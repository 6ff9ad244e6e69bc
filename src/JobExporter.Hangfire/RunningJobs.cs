using System.Collections.Concurrent;

namespace JobExporter.Hangfire;

/// <summary>
/// What the emitter remembers between Hangfire's hooks for one job: the queue and enqueue time read when a job
/// without <see cref="States.EnqueuedFacts"/> moves to Processing, the attempt while it runs, and an attempt that threw or was rejected until the
/// state Hangfire moves the job to next is applied.
/// Entries whose follow-up hook never comes (a server killed mid-job) are bounded by <see cref="MaxEntries"/>.
/// </summary>
internal sealed class RunningJobs
{
    /// <summary>Most entries kept per map; beyond it the map is cleared (a leak guard, never reached in practice).</summary>
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, (string Queue, double? EnqueuedAt)> _dequeued = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JobAttempt> _ended = new(StringComparer.Ordinal);
    public void Dequeued(string jobId, string queue, double? enqueuedAt) => Add(_dequeued, jobId, (queue, enqueuedAt));

    public bool TryTakeDequeued(string jobId, out (string Queue, double? EnqueuedAt) facts) => _dequeued.TryRemove(jobId, out facts);

    public void Ended(JobAttempt attempt) => Add(_ended, attempt.JobId, attempt);

    public JobAttempt? TakeEnded(string jobId) => _ended.TryRemove(jobId, out var attempt) ? attempt : null;

    private static void Add<T>(ConcurrentDictionary<string, T> map, string key, T value)
    {
        if (map.Count >= MaxEntries) map.Clear();
        map[key] = value;
    }
}
