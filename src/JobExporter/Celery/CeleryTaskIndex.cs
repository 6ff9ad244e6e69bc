namespace JobExporter.Celery;

/// <summary>
/// What later events of a Celery task do not carry: only task-sent and task-received name the task, only task-sent
/// names its queue, and the wait and a failure's runtime need the times of earlier events. Entries are keyed by the
/// task's uuid and dropped when the task ends (succeeded, failed, rejected, revoked). The index holds at most
/// <c>capacity</c> tasks: beyond that the oldest entry is forgotten and <paramref name="onEvicted"/> is called, so
/// that a flood of tasks that never finish costs bounded memory (about 300 bytes a task) and is seen on /metrics.
/// Not thread-safe: one consumer owns it.
/// </summary>
internal sealed class CeleryTaskIndex(int capacity, Action onEvicted)
{
    /// <summary>What is known of one task so far; times are the senders' Unix seconds.</summary>
    internal sealed class Entry
    {
        public string? Name;
        public string? Queue;
        public double? SentTs;
        public double? ReceivedTs;
        public double? StartedTs;
        internal LinkedListNode<string>? Age;
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _oldestFirst = new();

    public int Count => _entries.Count;

    /// <summary>The task's entry, created (and the oldest forgotten if full) when new.</summary>
    public Entry GetOrAdd(string uuid)
    {
        if (_entries.TryGetValue(uuid, out var entry)) return entry;
        if (_entries.Count >= capacity && _oldestFirst.First is { } oldest)
        {
            _entries.Remove(oldest.Value);
            _oldestFirst.RemoveFirst();
            onEvicted();
        }
        entry = new Entry();
        entry.Age = _oldestFirst.AddLast(uuid);
        _entries[uuid] = entry;
        return entry;
    }

    public Entry? Find(string uuid) => _entries.GetValueOrDefault(uuid);

    /// <summary>Forgets a task that ended.</summary>
    public void Remove(string uuid)
    {
        if (!_entries.Remove(uuid, out var entry)) return;
        _oldestFirst.Remove(entry.Age!);
    }
}
