namespace JobExporter.Emitter;

/// <summary>
/// A round's events sorted by routing key (system, type, hostname), each key's events in their order; reused from round
/// to round by the publisher's one send loop. Most events of a process share one system and one host, so the last
/// group of each event type is remembered with the very strings of its key: an event whose strings are those finds its
/// group without hashing them (hashing both strings of every event was most of the grouping's cost, measured with perf).
/// </summary>
internal sealed class RoutingKeyGroups
{
    // Keys seldom change (one system, one hostname); a long-lived process with many would keep them all.
    private const int MaxKeys = 64;

    private readonly Dictionary<(string System, EventType Type, string Hostname), List<PendingEvent>> _byKey = [];
    private readonly (string? System, string? Hostname, List<PendingEvent>? Group)[] _lastByType = new (string?, string?, List<PendingEvent>?)[EventTypeNames.All.Count];

    /// <summary>Every key seen since the groups were last forgotten, with its events of this round (possibly none).</summary>
    public Dictionary<(string System, EventType Type, string Hostname), List<PendingEvent>> ByKey => _byKey;

    public void Add(in PendingEvent e)
    {
        var type = (int)e.Type;
        if ((uint)type < (uint)_lastByType.Length)
        {
            ref var last = ref _lastByType[type];
            if (last.Group is not null && ReferenceEquals(last.System, e.System) && ReferenceEquals(last.Hostname, e.Hostname))
            {
                last.Group.Add(e);
                return;
            }
            last = (e.System, e.Hostname, GroupOf(e));
            last.Group!.Add(e);
            return;
        }
        GroupOf(e).Add(e);
    }

    /// <summary>Empties every group for the next round; forgets the keys when there are many.</summary>
    public void Clear()
    {
        foreach (var group in _byKey.Values) group.Clear();
        if (_byKey.Count > MaxKeys)
        {
            _byKey.Clear();
            Array.Clear(_lastByType, 0, _lastByType.Length);
        }
    }

    private List<PendingEvent> GroupOf(in PendingEvent e)
    {
        var key = (e.System, e.Type, e.Hostname);
        if (!_byKey.TryGetValue(key, out var group)) _byKey[key] = group = [];
        return group;
    }
}
