using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace JobExporter.Contracts;

/// <summary>
/// Writes events in their wire form: flat snake_case JSON, one object or an array of objects. The publisher writes its
/// message bodies into pooled buffers (<see cref="WriteMessage"/>); <see cref="Serialize(JobEvent)"/> returns an array.
/// Writing is the publisher's main CPU cost per event, so the strings that repeat from event to event (the type, the
/// system, the host, the job name and queue) are escaped once and reused, and timestamps on the millisecond (all that
/// <see cref="EventFactory"/> makes) are written from integers rather than formatted as doubles.
/// </summary>
public static class EventJson
{
    // What Write produces is well-formed by construction: the writer need not check each call.
    private static readonly JsonWriterOptions Unchecked = new() { SkipValidation = true };

    public static byte[] Serialize(JobEvent e)
    {
        var buffer = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(buffer, Unchecked))
        {
            Write(writer, e);
        }
        return buffer.ToArray();
    }

    /// <summary>Serializes events as one batch message (a JSON array).</summary>
    public static byte[] SerializeBatch(IEnumerable<JobEvent> events)
    {
        var buffer = new MemoryStream(4096);
        using (var writer = new Utf8JsonWriter(buffer, Unchecked))
        {
            writer.WriteStartArray();
            foreach (var e in events)
            {
                Write(writer, e);
            }
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Writes <paramref name="count"/> events from <paramref name="start"/> into <paramref name="buffer"/>: one object
    /// when there is one, else a JSON array (the publisher's message bodies, into pooled buffers).
    /// </summary>
    public static void WriteMessage(IBufferWriter<byte> buffer, IReadOnlyList<JobEvent> events, int start, int count)
    {
        using var writer = new Utf8JsonWriter(buffer, Unchecked);
        if (count == 1)
        {
            Write(writer, events[start]);
            return;
        }
        writer.WriteStartArray();
        for (var i = start; i < start + count; i++)
        {
            Write(writer, events[i]);
        }
        writer.WriteEndArray();
    }

    public static void Write(Utf8JsonWriter writer, JobEvent e)
    {
        writer.WriteStartObject();
        writer.WriteNumber("v"u8, e.V);
        writer.WriteString("type"u8, TypeNames[(int)e.Type]);
        writer.WriteString("id"u8, e.Id);
        WriteSeconds(writer, "ts"u8, e.Ts);
        var recent = RecentStrings.ForThisThread();
        writer.WriteString("system"u8, recent.Encode(RecentStrings.System, e.System));
        writer.WriteString("hostname"u8, recent.Encode(RecentStrings.Hostname, e.Hostname));
        if (e.Name is not null) writer.WriteString("name"u8, recent.Encode(RecentStrings.Name, e.Name));
        if (e.Queue is not null) writer.WriteString("queue"u8, recent.Encode(RecentStrings.Queue, e.Queue));
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

    // Whole milliseconds as "<seconds>.<3 digits>", from integers; anything else as a double.
    private static void WriteSeconds(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double seconds)
    {
        var ms = Math.Round(seconds * 1000);
        if (ms is < 0 or > 1e15 || ms / 1000 != seconds)
        {
            writer.WriteNumber(name, seconds);
            return;
        }
        var whole = (long)ms / 1000;
        var fraction = (int)((long)ms % 1000);
        Span<byte> text = stackalloc byte[24];
        Utf8Formatter.TryFormat(whole, text, out var length);
        if (fraction != 0)
        {
            text[length++] = (byte)'.';
            text[length++] = (byte)('0' + fraction / 100);
            text[length++] = (byte)('0' + fraction / 10 % 10);
            text[length++] = (byte)('0' + fraction % 10);
            while (text[length - 1] == '0') length--;
        }
        writer.WritePropertyName(name);
        writer.WriteRawValue(text[..length], skipInputValidation: true);
    }

    /// <summary>The last string written in each repeating field, escaped once, per thread (the publisher has one send loop).</summary>
    private sealed class RecentStrings
    {
        public const int System = 0, Hostname = 1, Name = 2, Queue = 3;

        [ThreadStatic]
        private static RecentStrings? _current;

        private readonly string?[] _raw = new string?[4];
        private readonly JsonEncodedText[] _encoded = new JsonEncodedText[4];

        public static RecentStrings ForThisThread() => _current ??= new RecentStrings();

        public JsonEncodedText Encode(int field, string value)
        {
            if (!ReferenceEquals(_raw[field], value))
            {
                _encoded[field] = JsonEncodedText.Encode(value);
                _raw[field] = value;
            }
            return _encoded[field];
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null) writer.WriteString(name, value);
    }
}
