namespace JobExporter.Aggregation;

/// <summary>
/// Remembers the last N event ids so that an event delivered twice (a publisher retrying an unconfirmed
/// batch, a redelivery after a reconnect) is applied once. Bounded: the oldest id is forgotten first.
/// Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class Deduplicator(int capacity)
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>True when the id was seen within the window; otherwise remembers it and returns false.</summary>
    public bool IsDuplicate(string id)
    {
        if (capacity == 0) return false;
        if (!_seen.Add(id)) return true;
        _order.Enqueue(id);
        if (_order.Count > capacity)
        {
            _seen.Remove(_order.Dequeue());
        }
        return false;
    }

    public int Count => _seen.Count;
}
