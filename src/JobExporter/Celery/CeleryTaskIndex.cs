namespace JobExporter.Celery;

/// <summary>
/// What later events of a Celery task do not carry: only task-sent and task-received name the task, only task-sent
/// names its queue, and the wait and a failure's runtime need the times of earlier events. Entries are keyed by the
/// task's uuid.
/// <para>
/// Unfinished tasks: at most <c>capacity</c>; beyond that the oldest is forgotten and <c>onEvicted</c> called, so that
/// a flood of tasks that never finish costs bounded memory (about 300 bytes a task) and shows on /metrics.
/// Finished tasks (succeeded, failed, rejected, revoked) move to a smaller ring of <c>capacity / 4</c>, forgotten
/// silently: Celery sends a worker's events over more than one channel (single messages and buffered task.multi
/// lists), so an event of a task can arrive just after the event that ended it, and must still find its name.
/// </para>
/// Not thread-safe: one consumer owns it.
/// </summary>
internal sealed class CeleryTaskIndex
{
    /// <summary>What is known of one task so far; times are the senders' Unix seconds.</summary>
    internal sealed class Entry(string uuid)
    {
        public string Uuid { get; } = uuid;
        public string? Name;
        public string? Queue;
        public double? SentTs;
        public double? ReceivedTs;
        public double? StartedTs;
        internal LinkedListNode<string>? Age;
    }

    private readonly int _capacity;
    private readonly int _endedCapacity;
    private readonly Action _onEvicted;
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _openOldestFirst = new();
    private readonly Dictionary<string, Entry> _ended = new(StringComparer.Ordinal);
    private readonly Queue<Entry> _endedOldestFirst = new();
    // Looked up by the characters of the uuid as read: a string is made once per task, when its entry is.
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _openByChars;
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _endedByChars;

    public CeleryTaskIndex(int capacity, Action onEvicted)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _endedCapacity = Math.Max(1, capacity / 4);
        _onEvicted = onEvicted;
        _openByChars = _open.GetAlternateLookup<ReadOnlySpan<char>>();
        _endedByChars = _ended.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Unfinished tasks remembered.</summary>
    public int Count => _open.Count;

    /// <summary>A new entry for a task <see cref="Find"/> did not find (the oldest forgotten if full).</summary>
    public Entry Add(ReadOnlySpan<char> uuid)
    {
        if (_open.Count >= _capacity && _openOldestFirst.First is { } oldest)
        {
            _open.Remove(oldest.Value);
            _openOldestFirst.RemoveFirst();
            _onEvicted();
        }
        var entry = new Entry(uuid.ToString());
        entry.Age = _openOldestFirst.AddLast(entry.Uuid);
        _open[entry.Uuid] = entry;
        return entry;
    }

    public Entry? Find(ReadOnlySpan<char> uuid) =>
        _openByChars.TryGetValue(uuid, out var open) ? open : _endedByChars.TryGetValue(uuid, out var ended) ? ended : null;

    /// <summary>Marks a task finished: it stays findable for a while, outside the unfinished tasks' capacity.</summary>
    public void End(ReadOnlySpan<char> uuid)
    {
        if (!_openByChars.Remove(uuid, out _, out var entry)) return;
        _openOldestFirst.Remove(entry.Age!);
        entry.Age = null;
        if (_endedOldestFirst.Count >= _endedCapacity)
        {
            var old = _endedOldestFirst.Dequeue();
            if (_ended.TryGetValue(old.Uuid, out var current) && ReferenceEquals(current, old)) _ended.Remove(old.Uuid);
        }
        _ended[entry.Uuid] = entry;
        _endedOldestFirst.Enqueue(entry);
    }
}
