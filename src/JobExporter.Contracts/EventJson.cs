using System.Buffers;
using System.Text.Json;

namespace JobExporter.Contracts;

/// <summary>
/// Writes events in their wire form: flat snake_case JSON, one object or an array of objects (into a MemoryStream, the
/// one buffer every target framework has: netstandard2.0 has no public ArrayBufferWriter).
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
        writer.WriteString("type"u8, e.Type.ToWireName());
        writer.WriteString("id"u8, e.Id);
        writer.WriteNumber("ts"u8, e.Ts);
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
        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null) writer.WriteString(name, value);
    }
}
