using System.Runtime.CompilerServices;
using JobExporter.Contracts;

namespace JobExporter.Aggregation;

/// <summary>
/// Remembers what the applier resolved a job's labels to, by the very strings its event carried. The parsers keep one
/// string per distinct label value, so the next event of the same job on the same host brings the same instances, and
/// finding its series costs four reference compares instead of hashing its labels for the label guard and again for the
/// series (a twentieth of the exporter's CPU in a profile of batched ingest).
/// <para>
/// Direct-mapped: a miss, or an event whose strings are other instances, resolves as before. It has 8,192 slots, so that
/// a central exporter's jobs by host mostly keep theirs (the bench's 200 names on 20 workers are 4,000 of them, which
/// 256 slots missed nearly every time); an entry is made only for a slot in use, about 100 bytes. The applier
/// stores only labels the guard returned unchanged, since a fold or a rename counts on every event, and clears the cache
/// when a purge removes series. Not thread-safe: callers hold the applier's lock.
/// </para>
/// </summary>
/// <typeparam name="TResolved">What a job's labels resolve to: its <see cref="ResolvedJob"/>, or its job-sent counter.</typeparam>
internal sealed class ResolvedJobCache<TResolved>
{
    private const int Slots = 8192;
    private readonly Entry?[] _entries = new Entry?[Slots];

    public bool TryGet(JobEvent e, out TResolved job)
    {
        if (_entries[SlotOf(e)] is { } entry && entry.IsFor(e))
        {
            job = entry.Job;
            return true;
        }
        job = default!;
        return false;
    }

    public void Add(JobEvent e, TResolved job)
    {
        // An entry is reused from miss to miss: a stream whose strings are never shared must not allocate an entry an event.
        var entry = _entries[SlotOf(e)] ??= new Entry();
        entry.Set(e, job);
    }

    /// <summary>Forgets every job (and the strings of purged hosts with them).</summary>
    public void Clear() => Array.Clear(_entries);

    private static int SlotOf(JobEvent e) =>
        (RuntimeHelpers.GetHashCode(e.Name) ^ RuntimeHelpers.GetHashCode(e.Hostname) * 31 ^ RuntimeHelpers.GetHashCode(e.Queue) * 961) & (Slots - 1);

    private sealed class Entry
    {
        private string? _system, _name, _queue, _hostname;

        public TResolved Job { get; private set; } = default!;

        public bool IsFor(JobEvent e) => ReferenceEquals(_name, e.Name) && ReferenceEquals(_hostname, e.Hostname)
            && ReferenceEquals(_queue, e.Queue) && ReferenceEquals(_system, e.System);

        public void Set(JobEvent e, TResolved job) => (_system, _name, _queue, _hostname, Job) = (e.System, e.Name, e.Queue, e.Hostname, job);
    }
}
