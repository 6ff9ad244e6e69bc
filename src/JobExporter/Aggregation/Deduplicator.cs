namespace JobExporter.Aggregation;

/// <summary>
/// Remembers the last N event ids so that an event delivered twice (a publisher retrying an unconfirmed
/// batch, a redelivery after a reconnect) is applied once. Bounded: the oldest id is forgotten first.
/// Ids are kept as 64-bit hashes, not strings, so that the window costs 16 bytes an id and nothing for the
/// garbage collector to trace; two different ids in one window of 100,000 collide with a chance of about 1 in 10^9.
/// Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class Deduplicator
{
    private readonly HashSet<ulong> _seen;
    private readonly ulong[] _order;
    private int _next;

    public Deduplicator(int capacity)
    {
        _order = new ulong[capacity];
        _seen = new HashSet<ulong>(capacity);
    }

    /// <summary>True when the id was seen within the window; otherwise remembers it and returns false.</summary>
    public bool IsDuplicate(string id)
    {
        if (_order.Length == 0) return false;
        var hash = Fnv1a64(id);
        if (!_seen.Add(hash)) return true;
        if (_seen.Count > _order.Length)
        {
            _seen.Remove(_order[_next]);
        }
        _order[_next] = hash;
        _next = (_next + 1) % _order.Length;
        return false;
    }

    public int Count => _seen.Count;

    private static ulong Fnv1a64(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }
}
