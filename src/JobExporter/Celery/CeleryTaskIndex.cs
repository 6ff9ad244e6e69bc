using System.Security.Cryptography;
using System.Text;
using JobExporter.Metrics;

namespace JobExporter.Celery;

/// <summary>
/// What later events of a Celery task do not carry: only task-sent and task-received name the task, only task-sent
/// names its queue, and the wait and a failure's runtime need the times of earlier events. Entries are keyed by the
/// task's uuid.
/// <para>
/// Unfinished tasks: at most <c>capacity</c>; beyond that the oldest is forgotten and <c>onEvicted</c> called, so that
/// a flood of tasks that never finish costs bounded memory and shows on /metrics.
/// Finished tasks (succeeded, failed, rejected, revoked) move to a smaller ring of <c>capacity / 4</c>, forgotten
/// silently: Celery sends a worker's events over more than one channel (single messages and buffered task.multi
/// lists), so an event of a task can arrive just after the event that ended it, and must still find its name.
/// </para>
/// <para>
/// Bounded in bytes too, at <see cref="BytesPerTask"/> a task of both rings on average: a task's name and queue are
/// kept as the label values they become (cut to <c>maxValueLength</c>), each distinct value once, and an id longer
/// than <see cref="LongestUuid"/> is kept as its SHA-256 (<see cref="KeyOf"/>). Tasks with long, all-different names
/// or queues would pass the budget before the count: then the oldest are forgotten (finished ones first, silently;
/// then unfinished ones, counted) until the index fits again. Nothing a message carries is held whole.
/// </para>
/// Not thread-safe: one consumer owns it.
/// </summary>
internal sealed class CeleryTaskIndex
{
    /// <summary>Average bytes a task may cost: what a task with a 36-character uuid and a shared name and queue costs.</summary>
    public const int BytesPerTask = 300;

    /// <summary>Longest task id kept as sent (Celery's are 36 characters); a longer one is kept as its hash.</summary>
    public const int LongestUuid = 128;

    // The entry object, its dictionary slot and its age-list node.
    private const int EntryBytes = 180;

    // A distinct name or queue: its dictionary slot and reference count.
    private const int ValueBytes = 48;

    /// <summary>What is known of one task so far; times are the senders' Unix seconds.</summary>
    internal sealed class Entry(string uuid)
    {
        public string Uuid { get; } = uuid;

        /// <summary>Set through <see cref="Describe"/>, which cuts and shares it.</summary>
        public string? Name { get; internal set; }
        public string? Queue { get; internal set; }
        public double? SentTs;
        public double? ReceivedTs;
        public double? StartedTs;
        internal LinkedListNode<string>? Age;
    }

    private sealed class SharedValue(string value)
    {
        public string Value { get; } = value;
        public int Uses;
    }

    private readonly int _capacity;
    private readonly int _endedCapacity;
    private readonly int _maxValueLength;
    private readonly long _budget;
    private readonly Action _onEvicted;
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _openOldestFirst = new();
    private readonly Dictionary<string, Entry> _ended = new(StringComparer.Ordinal);
    private readonly Queue<Entry> _endedOldestFirst = new();
    private readonly Dictionary<string, SharedValue> _values = new(StringComparer.Ordinal);
    // Looked up by the characters of the uuid as read: a string is made once per task, when its entry is.
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _openByChars;
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _endedByChars;
    private long _bytes;

    /// <param name="maxValueLength">Names and queues are cut to this many characters, as their labels will be.</param>
    public CeleryTaskIndex(int capacity, Action onEvicted, int maxValueLength = 128)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _endedCapacity = Math.Max(1, capacity / 4);
        _maxValueLength = maxValueLength;
        _budget = (long)(capacity + _endedCapacity) * BytesPerTask;
        _onEvicted = onEvicted;
        _openByChars = _open.GetAlternateLookup<ReadOnlySpan<char>>();
        _endedByChars = _ended.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Unfinished tasks remembered.</summary>
    public int Count => _open.Count;

    /// <summary>What the index holds, by its own count (strings, entries and their slots), in bytes.</summary>
    public long Bytes => _bytes;

    /// <summary>Most bytes the index holds: <see cref="BytesPerTask"/> for each task of both rings.</summary>
    public long Budget => _budget;

    /// <summary>The key a task id is kept and found by: itself, or the SHA-256 of a long one.</summary>
    public static ReadOnlySpan<char> KeyOf(ReadOnlySpan<char> uuid)
    {
        if (uuid.Length <= LongestUuid) return uuid;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(uuid.ToString());
        SHA256.HashData(bytes, hash);
        return "sha256:" + Convert.ToHexStringLower(hash);
    }

    /// <summary>A new entry for a task <see cref="Find"/> did not find (the oldest forgotten if full).</summary>
    public Entry Add(ReadOnlySpan<char> uuid)
    {
        if (_open.Count >= _capacity) ForgetOldestOpen();
        var entry = new Entry(uuid.ToString());
        entry.Age = _openOldestFirst.AddLast(entry.Uuid);
        _open[entry.Uuid] = entry;
        _bytes += EntryBytes + StringBytes(entry.Uuid);
        FitBudget();
        return entry;
    }

    /// <summary>Gives the task its name and queue (null: unchanged), cut to what their labels will show.</summary>
    public void Describe(Entry entry, string? name, string? queue)
    {
        if (name is not null) entry.Name = Replace(entry.Name, name);
        if (queue is not null) entry.Queue = Replace(entry.Queue, queue);
        FitBudget();
    }

    /// <summary>A value as kept here and in events held for later: cut to the label length.</summary>
    public string Cut(string value) => LabelGuard.Sanitise(value, _maxValueLength);

    public Entry? Find(ReadOnlySpan<char> uuid) =>
        _openByChars.TryGetValue(uuid, out var open) ? open : _endedByChars.TryGetValue(uuid, out var ended) ? ended : null;

    /// <summary>Marks a task finished: it stays findable for a while, outside the unfinished tasks' capacity.</summary>
    public void End(ReadOnlySpan<char> uuid)
    {
        if (!_openByChars.Remove(uuid, out _, out var entry)) return;
        _openOldestFirst.Remove(entry.Age!);
        entry.Age = null;
        if (_endedOldestFirst.Count >= _endedCapacity) ForgetOldestEnded();
        if (_ended.Remove(entry.Uuid, out var previous)) Release(previous);
        _ended[entry.Uuid] = entry;
        _endedOldestFirst.Enqueue(entry);
    }

    private string Replace(string? old, string value)
    {
        var cut = Cut(value);
        if (old is not null && string.Equals(old, cut, StringComparison.Ordinal)) return old;
        if (!_values.TryGetValue(cut, out var shared))
        {
            _values[cut] = shared = new SharedValue(cut);
            _bytes += ValueBytes + StringBytes(cut);
        }
        shared.Uses++;
        if (old is not null) Drop(old);
        return shared.Value;
    }

    private void Drop(string value)
    {
        if (!_values.TryGetValue(value, out var shared) || --shared.Uses > 0) return;
        _values.Remove(value);
        _bytes -= ValueBytes + StringBytes(value);
    }

    private void Release(Entry entry)
    {
        _bytes -= EntryBytes + StringBytes(entry.Uuid);
        if (entry.Name is not null) Drop(entry.Name);
        if (entry.Queue is not null) Drop(entry.Queue);
    }

    // Finished tasks go first, silently; then the oldest unfinished, counted. The newest task always stays.
    private void FitBudget()
    {
        while (_bytes > _budget)
        {
            if (_endedOldestFirst.Count > 0) ForgetOldestEnded();
            else if (_open.Count > 1) ForgetOldestOpen();
            else return;
        }
    }

    private void ForgetOldestOpen()
    {
        if (_openOldestFirst.First is not { } oldest) return;
        _openOldestFirst.RemoveFirst();
        if (_open.Remove(oldest.Value, out var entry)) Release(entry);
        _onEvicted();
    }

    private void ForgetOldestEnded()
    {
        var old = _endedOldestFirst.Dequeue();
        if (_ended.TryGetValue(old.Uuid, out var current) && ReferenceEquals(current, old))
        {
            _ended.Remove(old.Uuid);
            Release(old);
        }
    }

    // A string's object: header, length and UTF-16 characters.
    private static long StringBytes(string value) => 24 + 2L * value.Length;
}
