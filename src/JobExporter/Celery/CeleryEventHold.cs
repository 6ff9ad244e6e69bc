using JobExporter.Contracts;

namespace JobExporter.Celery;

/// <summary>
/// Events of tasks the exporter has not seen named yet, held a short while for the event that names them. Celery publishes
/// a task's <c>task-sent</c> after the task message itself, so a worker can report a task (drop one revoked in advance, say)
/// before the client's <c>task-sent</c> reaches the exporter; applied at once, such an event would count under
/// <c>name="unknown"</c>. Held, it is applied with the task's name and queue as soon as <c>task-sent</c> or
/// <c>task-received</c> for its uuid comes, or as unknown once it has waited <see cref="HoldTime"/>. A task-received is
/// held the same way for its task-sent when the app sends one (its queue would be unknown otherwise); it keeps its name.
/// <para>
/// Bounded by time and by count: at most <see cref="Capacity"/> events; when full, the task held longest is applied at once
/// (as unknown) and its events counted by <c>onOverflow</c>. A task's events are held and applied together, in the order
/// they came.
/// </para>
/// <para>
/// A held event's message is acknowledged like any other, before the event is applied: safe, because what the exporter has
/// applied lives only in its memory too (a crash loses whatever Prometheus had not scraped yet, held or applied alike, and
/// a hold is far shorter than a scrape interval), while a lost connection leaves the held events in the process, and the
/// copies the broker delivers again are dropped by de-duplication when applied. Holding acknowledgements back instead
/// would stall the queue: an acknowledgement covers every earlier delivery, so one held event would hold back all that
/// came after it.
/// </para>
/// Not thread-safe: its decoder's owner serialises it.
/// </summary>
internal sealed class CeleryEventHold
{
    /// <summary>How long an event of an unnamed task waits for its task-sent or task-received.</summary>
    public static readonly TimeSpan DefaultHoldTime = TimeSpan.FromSeconds(2);

    /// <summary>Events held at most (about 200 bytes each).</summary>
    public const int DefaultCapacity = 10_000;

    /// <summary>One held task event: what the decoder needs to apply it later.</summary>
    /// <param name="Name">
    /// The task's name (cut to its label): a held task-received's own, and given to the task's other held events when
    /// they are taken, so that one that came before the task-received (a task-started that beat it) is named too.
    /// </param>
    internal sealed record Event(EventType Type, string Uuid, double Timestamp, byte[] TimestampText, string Hostname, double? Runtime, string? Exception,
        string? Name);

    private sealed class HeldTask(string uuid, long since)
    {
        public string Uuid { get; } = uuid;
        public long Since { get; } = since;
        public List<Event> Events { get; } = [];
        public LinkedListNode<HeldTask>? Node;
        // The name a held task-received gave, if one is held.
        public string? Name;
    }

    private readonly TimeProvider _time;
    private readonly Action<int> _onOverflow;
    private readonly Dictionary<string, HeldTask> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HeldTask>.AlternateLookup<ReadOnlySpan<char>> _tasksByChars;
    private readonly LinkedList<HeldTask> _oldestFirst = new();

    /// <param name="onOverflow">Called with the number of events applied early because the hold was full.</param>
    public CeleryEventHold(TimeProvider time, Action<int> onOverflow, TimeSpan? holdTime = null, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        _onOverflow = onOverflow;
        HoldTime = holdTime ?? DefaultHoldTime;
        Capacity = capacity;
        _tasksByChars = _tasks.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public TimeSpan HoldTime { get; }
    public int Capacity { get; }

    /// <summary>Events held now.</summary>
    public int Count { get; private set; }

    public bool Holds(ReadOnlySpan<char> uuid) => Count > 0 && _tasksByChars.ContainsKey(uuid);

    /// <summary>
    /// Holds the event behind its task's earlier ones. When the hold is full, returns the events of the task held longest,
    /// to be applied now; otherwise null.
    /// </summary>
    public IReadOnlyList<Event>? Add(Event e)
    {
        IReadOnlyList<Event>? pushedOut = null;
        if (Count >= Capacity && _oldestFirst.First is { } oldest)
        {
            pushedOut = Remove(oldest.Value);
            _onOverflow(pushedOut.Count);
        }
        if (!_tasks.TryGetValue(e.Uuid, out var task))
        {
            task = new HeldTask(e.Uuid, _time.GetTimestamp());
            task.Node = _oldestFirst.AddLast(task);
            _tasks[task.Uuid] = task;
        }
        task.Events.Add(e);
        task.Name ??= e.Name;
        Count++;
        return pushedOut;
    }

    /// <summary>The task's held events, in the order they came, now that it is named; null when none are held.</summary>
    public IReadOnlyList<Event>? Take(ReadOnlySpan<char> uuid) =>
        Count > 0 && _tasksByChars.TryGetValue(uuid, out var task) ? Remove(task) : null;

    /// <summary>The events of every task held for <see cref="HoldTime"/> or longer, oldest first.</summary>
    public IReadOnlyList<Event> TakeExpired()
    {
        // Checked before every message while anything is held: nothing made unless something expired.
        List<Event>? expired = null;
        while (_oldestFirst.First is { } oldest && _time.GetElapsedTime(oldest.Value.Since) >= HoldTime)
        {
            (expired ??= []).AddRange(Remove(oldest.Value));
        }
        return expired ?? (IReadOnlyList<Event>)[];
    }

    /// <summary>Every event held, oldest first (the exporter is stopping).</summary>
    public List<Event> TakeAll()
    {
        var all = new List<Event>();
        while (_oldestFirst.First is { } oldest) all.AddRange(Remove(oldest.Value));
        return all;
    }

    private List<Event> Remove(HeldTask task)
    {
        _tasks.Remove(task.Uuid);
        _oldestFirst.Remove(task.Node!);
        Count -= task.Events.Count;
        var events = task.Events;
        if (task.Name is { } name)
        {
            for (var i = 0; i < events.Count; i++) if (events[i].Name is null) events[i] = events[i] with { Name = name };
        }
        return events;
    }
}
