using System.Collections.Concurrent;

namespace JobExporter.Hangfire;

/// <summary>
/// What the emitter remembers between Hangfire's hooks for one job, where Hangfire's contexts do not carry it: the queue
/// and enqueue time read when a job without <see cref="States.EnqueuedFacts"/> in its parameters moves to Processing,
/// until it starts. Entries whose follow-up hook never comes (a server killed mid-job) are bounded by
/// <see cref="MaxEntries"/>.
/// </summary>
internal sealed class RunningJobs
{
    /// <summary>Most entries kept; beyond it the map is cleared (a leak guard, never reached in practice).</summary>
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, States.EnqueuedFacts> _dequeued = new(StringComparer.Ordinal);
    public void Dequeued(string jobId, States.EnqueuedFacts facts)
    {
        if (_dequeued.Count >= MaxEntries) _dequeued.Clear();
        _dequeued[jobId] = facts;
    }

    public bool TryTakeDequeued(string jobId, out States.EnqueuedFacts facts) => _dequeued.TryRemove(jobId, out facts);
}
