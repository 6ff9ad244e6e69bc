using System.Buffers;
using System.Text.Json;

namespace JobExporter.Contracts;

/// <summary>
/// Writes events in their wire form: flat snake_case JSON, one object or an array of objects. The publisher cuts its
/// message bodies with the emitter's <c>MessageBodies</c>; <see cref="WriteMessage"/> and <see cref="SerializeBatch"/> serve tests
/// and tools that publish raw messages, and <see cref="Serialize(JobEvent)"/> returns one event as an array.
/// Both go through <see cref="EventUtf8Writer"/>, which writes the common events straight as UTF-8 (writing was the
/// publisher's main CPU cost per event); <see cref="Write"/> is the general form it falls back on.
/// </summary>
internal static class EventJson
{
    public static byte[] Serialize(JobEvent e)
    {
        var buffer = new PooledBufferWriter(256);
        try
        {
            EventUtf8Writer.ForThisThread().Write(buffer, e);
            return buffer.WrittenMemory.ToArray();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>Whether every number of the event can be written as JSON (none is NaN or infinite).</summary>
    public static bool NumbersFit(JobEvent e) =>
        JsonValues.IsFinite(e.Ts)
        && (e.Runtime is not { } runtime || JsonValues.IsFinite(runtime))
        && (e.Wait is not { } wait || JsonValues.IsFinite(wait))
        && (e.Interval is not { } interval || JsonValues.IsFinite(interval))
        && (e.Backlog is null || BacklogAgesFit(e.Backlog));

    private static bool BacklogAgesFit(BacklogSnapshot backlog)
    {
        foreach (var queue in backlog.Queues)
        {
            if (queue.OldestAge is { } age && !JsonValues.IsFinite(age)) return false;
        }
        return true;
    }

    /// <summary>Serializes events as one batch message (a JSON array).</summary>
    public static byte[] SerializeBatch(IEnumerable<JobEvent> events)
    {
        var buffer = new PooledBufferWriter(4096);
        try
        {
            var list = events as IReadOnlyList<JobEvent> ?? events.ToList();
            WriteArray(buffer, list, 0, list.Count);
            return buffer.WrittenMemory.ToArray();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>
    /// Writes <paramref name="count"/> events from <paramref name="start"/> into <paramref name="buffer"/>: one object
    /// when there is one, else a JSON array (the publisher's message bodies, into pooled buffers).
    /// </summary>
    public static void WriteMessage(IBufferWriter<byte> buffer, IReadOnlyList<JobEvent> events, int start, int count)
    {
        if (count == 1) EventUtf8Writer.ForThisThread().Write(buffer, events[start]);
        else WriteArray(buffer, events, start, count);
    }

    private static void WriteArray(IBufferWriter<byte> buffer, IReadOnlyList<JobEvent> events, int start, int count)
    {
        var writer = EventUtf8Writer.ForThisThread();
        Put(buffer, (byte)'[');
        for (var i = start; i < start + count; i++)
        {
            if (i > start) Put(buffer, (byte)',');
            writer.Write(buffer, events[i]);
        }
        Put(buffer, (byte)']');
    }

    private static void Put(IBufferWriter<byte> buffer, byte b)
    {
        buffer.GetSpan(1)[0] = b;
        buffer.Advance(1);
    }

    /// <summary>Writes one event with a <see cref="Utf8JsonWriter"/>: every event, numbers JSON cannot hold included (they throw).</summary>
    public static void Write(Utf8JsonWriter writer, JobEvent e)
    {
        writer.WriteStartObject();
        writer.WriteNumber(WireFields.V, e.V);
        writer.WriteString(WireFields.Type, TypeNames[(int)e.Type]);
        writer.WriteString(WireFields.Id, e.Id);
        WriteSeconds(writer, WireFields.Ts, e.Ts);
        writer.WriteString(WireFields.System, e.System);
        writer.WriteString(WireFields.Hostname, e.Hostname);
        WriteOptional(writer, WireFields.Name, e.Name);
        WriteOptional(writer, WireFields.Queue, e.Queue);
        WriteOptional(writer, WireFields.JobId, e.JobId);
        if (e.Runtime is { } runtime) writer.WriteNumber(WireFields.Runtime, runtime);
        if (e.Wait is { } wait) writer.WriteNumber(WireFields.Wait, wait);
        WriteOptional(writer, WireFields.Exception, e.Exception);
        if (e.Active is { } active) writer.WriteNumber(WireFields.Active, active);
        if (e.Interval is { } interval) writer.WriteNumber(WireFields.Interval, interval);
        if (e.Dropped is { } dropped) writer.WriteNumber(WireFields.Dropped, dropped);
        if (e.PublishFailures is { } failures) writer.WriteNumber(WireFields.PublishFailures, failures);
        if (e.BacklogFailures is { } backlogFailures) writer.WriteNumber(WireFields.BacklogFailures, backlogFailures);
        if (e.Backlog is { } backlog) BacklogJson.Write(writer, backlog);
        writer.WriteEndObject();
    }

    private static readonly JsonEncodedText[] TypeNames = EventTypeNames.All.Select(t => JsonEncodedText.Encode(t.ToWireName())).ToArray();

    private static void WriteSeconds(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double seconds)
    {
        if (!JsonValues.IsFinite(seconds))
        {
            writer.WriteNumber(name, seconds); // throws, as for any number JSON cannot hold
            return;
        }
        Span<byte> text = stackalloc byte[40];
        var length = 0;
        EventUtf8Writer.Seconds(text, ref length, seconds);
        writer.WritePropertyName(name);
        writer.WriteRawValue(text[..length], skipInputValidation: true);
    }

    private static void WriteOptional(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null) writer.WriteString(name, value);
    }
}
