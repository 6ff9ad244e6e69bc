using System.Runtime.CompilerServices;
using JobExporter.Contracts;

namespace JobExporter.Aggregation;

/// <summary>
/// Remembers what the applier resolved a job's labels to, by the very strings its event carried. The parsers keep one
/// string per distinct label value, so the next event of the same job on the same host brings the same instances, and
/// finding its series costs four reference compares instead of hashing its labels for the label guard and again for the
/// series (a twentieth of the exporter's CPU in a profile of batched ingest).
/// <para>
/// Direct-mapped and small: a miss, or an event whose strings are other instances, resolves as before. The applier
/// stores only labels taken as they came (none folded, renamed, cut or missing), since those count something on every
/// event, and clears it when a purge removes series. Not thread-safe: callers hold the applier's lock.
/// </para>
/// </summary>
internal sealed class ResolvedJobCache
{
    public const int Slots = 256;
    private readonly Entry?[] _entries = new Entry?[Slots];

    public bool TryGet(JobEvent e, out ResolvedJob job)
    {
        if (_entries[SlotOf(e)] is { } entry && entry.IsFor(e))
        {
            job = entry.Job;
            return true;
        }
        job = default;
        return false;
    }

    public void Add(JobEvent e, ResolvedJob job)
    {
        // Entries are reused: a stream that misses every time (strings not shared) must not allocate every time.
        var entry = _entries[SlotOf(e)] ??= new Entry();
        entry.Set(e, job);
    }

    public void Clear() => Array.Clear(_entries);

    private static int SlotOf(JobEvent e) =>
        (RuntimeHelpers.GetHashCode(e.Name) ^ RuntimeHelpers.GetHashCode(e.Hostname) * 31 ^ RuntimeHelpers.GetHashCode(e.Queue) * 961) & (Slots - 1);

    private sealed class Entry
    {
        private string? _system, _name, _queue, _hostname;

        public ResolvedJob Job { get; private set; }

        public bool IsFor(JobEvent e) => ReferenceEquals(_name, e.Name) && ReferenceEquals(_hostname, e.Hostname)
            && ReferenceEquals(_queue, e.Queue) && ReferenceEquals(_system, e.System);

        public void Set(JobEvent e, ResolvedJob job) => (_system, _name, _queue, _hostname, Job) = (e.System, e.Name, e.Queue, e.Hostname, job);
    }
}
