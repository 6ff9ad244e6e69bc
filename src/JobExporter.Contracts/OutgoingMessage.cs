namespace JobExporter.Contracts;

/// <summary>
/// One message to the broker, written event by event as the events are published: a JSON array of one routing key's
/// events, of at most <see cref="EventPublisherOptions.MaxBatchSize"/> events and <see cref="MaxBytes"/> bytes, so that
/// no message is ever over the exporter's body limit (<see cref="EventParserLimits.MaxMessageBytes"/>) whatever the
/// length of job names and ids. A message of one event is sent as that event's JSON object.
/// It holds bytes only, on a pooled array: the events it carries are garbage once written. Given back to the pool
/// (<see cref="Dispose"/>) once the broker has confirmed it or the publisher gives it up.
/// </summary>
internal sealed class OutgoingMessage : IDisposable
{
    /// <summary>Half the exporter's default body limit: a whole batch of ordinary events is about a quarter of it.</summary>
    public const int MaxBytes = 256 * 1024;

    private readonly PooledBufferWriter _body;
    private bool _sealed;

    public OutgoingMessage(string routingKey, int initialBytes)
    {
        RoutingKey = routingKey;
        _body = new PooledBufferWriter(initialBytes);
        Put((byte)'[');
    }

    public string RoutingKey { get; }

    /// <summary>Events written into it.</summary>
    public int Events { get; private set; }

    /// <summary>When its first event was written (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long FirstEventAt { get; private set; }

    /// <summary>
    /// Appends one event's JSON; false, with nothing written, when the message already has an event and this one would
    /// take it over <paramref name="maxBytes"/> (an event larger than that alone still goes, alone).
    /// </summary>
    public bool TryAppend(ReadOnlySpan<byte> eventJson, int maxBytes, long now)
    {
        if (_sealed) throw new InvalidOperationException("the message is sealed");
        // One byte kept for the comma before it and one for the closing bracket.
        if (Events > 0 && _body.WrittenCount + eventJson.Length + 2 > maxBytes) return false;
        if (Events == 0) FirstEventAt = now;
        else Put((byte)',');
        eventJson.CopyTo(_body.GetSpan(eventJson.Length));
        _body.Advance(eventJson.Length);
        Events++;
        return true;
    }

    /// <summary>Ends the message: nothing more is written into it.</summary>
    public void Seal()
    {
        if (_sealed) return;
        _sealed = true;
        if (Events > 1) Put((byte)']');
    }

    /// <summary>The message's body, once sealed: the array, or the one event's object without the array's bracket.</summary>
    public ReadOnlyMemory<byte> Body
    {
        get
        {
            if (!_sealed) throw new InvalidOperationException("the message is still being written");
            return Events == 1 ? _body.WrittenMemory.Slice(1) : _body.WrittenMemory;
        }
    }

    public void Dispose() => _body.Dispose();

    private void Put(byte b)
    {
        _body.GetSpan(1)[0] = b;
        _body.Advance(1);
    }
}
