using System.Buffers;
using System.Text.Json;

namespace JobExporter.Contracts;

/// <summary>
/// Writes events in their wire form: flat snake_case JSON, one object or an array of objects. The publisher cuts its
/// message bodies with <see cref="MessageBodies"/>; <see cref="WriteMessage"/> and <see cref="SerializeBatch"/> serve tests
/// and tools that publish raw messages, and <see cref="Serialize(JobEvent)"/> returns one event as an array.
/// Both go through <see cref="EventUtf8Writer"/>, which writes the common events straight as UTF-8 (writing was the
/// publisher's main CPU cost per event); <see cref="Write"/> is the general form it falls back on.
/// </summary>
public static class EventJson
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
        writer.WriteNumber("v"u8, e.V);
        writer.WriteString("type"u8, TypeNames[(int)e.Type]);
        writer.WriteString("id"u8, e.Id);
        WriteSeconds(writer, "ts"u8, e.Ts);
        writer.WriteString("system"u8, e.System);
        writer.WriteString("hostname"u8, e.Hostname);
        WriteOptional(writer, "name"u8, e.Name);
        WriteOptional(writer, "queue"u8, e.Queue);
        WriteOptional(writer, "job_id"u8, e.JobId);
        if (e.Runtime is { } runtime) writer.WriteNumber("runtime"u8, runtime);
        if (e.Wait is { } wait) writer.WriteNumber("wait"u8, wait);
        WriteOptional(writer, "exception"u8, e.Exception);
        if (e.Active is { } active) writer.WriteNumber("active"u8, active);
        if (e.Interval is { } interval) writer.WriteNumber("interval"u8, interval);
        if (e.Dropped is { } dropped) writer.WriteNumber("dropped"u8, dropped);
        if (e.PublishFailures is { } failures) writer.WriteNumber("publish_failures"u8, failures);
        if (e.BacklogFailures is { } backlogFailures) writer.WriteNumber("backlog_failures"u8, backlogFailures);
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
