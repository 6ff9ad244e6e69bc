using System.Diagnostics;

namespace JobExporter.Contracts;

/// <summary>
/// The publisher's buffer: events written as JSON, as they are published, straight into the messages they will go out
/// in, one open message per routing key (<c>&lt;system&gt;.&lt;type&gt;.&lt;hostname&gt;</c>), sealed once it holds
/// <see cref="EventPublisherOptions.MaxBatchSize"/> events or <see cref="OutgoingMessage.MaxBytes"/>.
/// Why bytes and not the events: events kept as objects until the broker confirmed them lived long enough to be
/// promoted by the garbage collector and collected in an older generation. On a Hangfire server with the broker up that
/// cost more CPU per job than writing and sending them (in the benchmark, a gen0 budget large enough that no event
/// outlived one took the ratio to no emitter from 0.66 to 0.73). Written once, an event is garbage at once; a message
/// the broker did not confirm is sent again as the same bytes.
/// Writers (the job system's threads) hold the lock only to copy an event's bytes in; the JSON is written before it.
/// The buffer holds at most <see cref="EventPublisherOptions.BufferCapacity"/> events; a new event past that is refused
/// before it is written.
/// </summary>
internal sealed class EventBuffer(int capacity, int maxEvents, int maxBytes = OutgoingMessage.MaxBytes)
{
    // Keys seldom change (one system, one hostname); a long-lived process with many would keep them all.
    private const int MaxKeys = 256;

    [ThreadStatic]
    private static PooledBufferWriter? _scratch;

    private readonly object _lock = new(); // not System.Threading.Lock: the package also targets net8.0 and netstandard2.0
    private readonly Dictionary<(string System, EventType Type, string Hostname), Key> _keys = [];
    // The last key of each event type, found by the very strings of the event: most events of a process share one
    // system and one host, so they find their key without hashing two strings each (perf: hashing was most of grouping).
    private readonly Key?[] _lastByType = new Key?[EventTypeNames.All.Count];
    private readonly Queue<OutgoingMessage> _sealed = new();
    private int _count;
    private bool _completed;
    private TaskCompletionSource<bool>? _waiter;
    private bool _waiterWantsAnyEvent;

    /// <summary>Events in the buffer: in open messages and in sealed ones not yet taken.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>True once <see cref="Complete"/> was called: no event is taken any more.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_lock) return _completed;
        }
    }

    /// <summary>
    /// Writes the event into its routing key's open message; false when the buffer is full or completed (the caller
    /// counts it as dropped). Throws only if the event cannot be written as JSON.
    /// </summary>
    public bool TryAdd(JobEvent e)
    {
        // Refused before any work: while the broker is away every new event lands here.
        if (Volatile.Read(ref _count) >= capacity) return false;
        var json = _scratch ??= new PooledBufferWriter(1024);
        json.Truncate(0);
        EventUtf8Writer.ForThisThread().Write(json, e);
        TaskCompletionSource<bool>? wake = null;
        lock (_lock)
        {
            if (_completed || _count >= capacity) return false;
            var key = KeyOf(e);
            var now = Stopwatch.GetTimestamp();
            key.Open ??= new OutgoingMessage(key.RoutingKey, FirstSize(json.WrittenCount));
            if (!key.Open.TryAppend(json.WrittenMemory.Span, maxBytes, now))
            {
                SealOpen(key);
                key.Open = new OutgoingMessage(key.RoutingKey, FirstSize(json.WrittenCount));
                key.Open.TryAppend(json.WrittenMemory.Span, maxBytes, now);
            }
            Volatile.Write(ref _count, _count + 1);
            if (key.Open.Events >= maxEvents) SealOpen(key);
            if (_waiter is not null && (_waiterWantsAnyEvent || _sealed.Count > 0))
            {
                wake = _waiter;
                _waiter = null;
            }
        }
        wake?.TrySetResult(true);
        return true;
    }

    /// <summary>True when a message is full and waiting to be taken.</summary>
    public bool HasSealedMessage
    {
        get
        {
            lock (_lock) return _sealed.Count > 0;
        }
    }

    /// <summary>When the oldest event in a message still open was written (<see cref="Stopwatch"/> ticks); null when none is open.</summary>
    public long? OldestOpenSince()
    {
        lock (_lock)
        {
            long? oldest = null;
            foreach (var key in _keys.Values)
            {
                if (key.Open is { } open && (oldest is null || open.FirstEventAt < oldest)) oldest = open.FirstEventAt;
            }
            return oldest;
        }
    }

    /// <summary>
    /// Moves sealed messages, oldest first, and then, when <paramref name="open"/> is true, the open ones (sealed now)
    /// into <paramref name="into"/>, while the events taken stay within <paramref name="mostEvents"/> (one message is
    /// always taken if there is one). Returns the events taken.
    /// </summary>
    public int Take(List<OutgoingMessage> into, bool open, int mostEvents)
    {
        lock (_lock)
        {
            var taken = 0;
            if (open)
            {
                foreach (var key in _keys.Values)
                {
                    if (key.Open is not null) SealOpen(key);
                }
            }
            while (_sealed.Count > 0 && (taken == 0 || taken + _sealed.Peek().Events <= mostEvents))
            {
                var message = _sealed.Dequeue();
                into.Add(message);
                taken += message.Events;
            }
            Volatile.Write(ref _count, _count - taken);
            ForgetKeysIfMany();
            return taken;
        }
    }

    /// <summary>
    /// Finishes when there is something to take: any event (<paramref name="anyEvent"/>) or a full message; or when
    /// <see cref="Wake"/> or <see cref="Complete"/> is called. Only the publisher's one send loop waits.
    /// </summary>
    public Task WaitAsync(bool anyEvent)
    {
        lock (_lock)
        {
            if (_completed || _sealed.Count > 0 || (anyEvent && _count > 0)) return Task.CompletedTask;
            _waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiterWantsAnyEvent = anyEvent;
            return _waiter.Task;
        }
    }

    /// <summary>Ends a wait in progress (the publisher is stopping).</summary>
    public void Wake()
    {
        TaskCompletionSource<bool>? wake;
        lock (_lock)
        {
            wake = _waiter;
            _waiter = null;
        }
        wake?.TrySetResult(true);
    }

    /// <summary>Takes no more events; what is in the buffer can still be taken.</summary>
    public void Complete()
    {
        lock (_lock) _completed = true;
        Wake();
    }

    /// <summary>Gives every message still in the buffer back to the pool and returns how many events they held.</summary>
    public int DiscardAll()
    {
        var left = new List<OutgoingMessage>();
        Take(left, open: true, mostEvents: int.MaxValue);
        foreach (var message in left) message.Dispose();
        return left.Sum(m => m.Events);
    }

    // An open message starts with room for a full batch of events of this one's size (rented, so reused message to message).
    private int FirstSize(int eventBytes) => (int)Math.Min((long)eventBytes * maxEvents + 2, maxBytes);

    private void SealOpen(Key key)
    {
        key.Open!.Seal();
        _sealed.Enqueue(key.Open);
        key.Open = null;
    }

    private Key KeyOf(JobEvent e)
    {
        var type = (int)e.Type;
        var byType = (uint)type < (uint)_lastByType.Length;
        if (byType && _lastByType[type] is { } last && ReferenceEquals(last.System, e.System) && ReferenceEquals(last.Hostname, e.Hostname))
        {
            return last;
        }
        if (!_keys.TryGetValue((e.System, e.Type, e.Hostname), out var key))
        {
            key = new Key(e.System, e.Hostname, RoutingKeys.For(e.System, e.Type, e.Hostname));
            _keys[(e.System, e.Type, e.Hostname)] = key;
        }
        if (byType) _lastByType[type] = key;
        return key;
    }

    private void ForgetKeysIfMany()
    {
        if (_keys.Count <= MaxKeys) return;
        foreach (var pair in _keys.Where(p => p.Value.Open is null).ToList()) _keys.Remove(pair.Key);
        Array.Clear(_lastByType, 0, _lastByType.Length);
    }

    // One routing key, with its message being written.
    private sealed class Key(string system, string hostname, string routingKey)
    {
        public string System { get; } = system;
        public string Hostname { get; } = hostname;
        public string RoutingKey { get; } = routingKey;
        public OutgoingMessage? Open { get; set; }
    }
}
