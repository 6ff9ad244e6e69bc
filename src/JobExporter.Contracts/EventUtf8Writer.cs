using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace JobExporter.Contracts;

/// <summary>
/// Writes one event's JSON object as UTF-8 straight into a buffer, for the publisher's message bodies. Writing events was
/// the publisher's largest CPU cost per event (perf: <see cref="Utf8JsonWriter"/> checking and escaping every string), so
/// the part that repeats from event to event (type, system, hostname, name and queue) is escaped once into a cached
/// UTF-8 head and copied, plain-ASCII ids are copied without escaping, and numbers are formatted in place. Same field
/// names and values as <see cref="EventJson.Write"/> (the parser does not depend on their order); events that carry a
/// backlog, or a number JSON cannot hold, are written by <see cref="EventJson.Write"/>.
/// Field names come from <see cref="WireFields"/>. Not thread-safe: one per thread (<see cref="ForThisThread"/>); the
/// publisher has one send loop.
/// </summary>
internal sealed class EventUtf8Writer
{
    // Longest number written: a double's shortest round-trip form ("-1.7976931348623157E+308") or a long.
    private const int MaxNumber = 32;
    private const int HeadSlots = 32;

    private static readonly JsonWriterOptions Unchecked = new() { SkipValidation = true };

    // Each field's name between its comma and its value (",\"job_id\":\""), made once from WireFields.
    private static readonly byte[] VKey = Key("{\""u8, WireFields.V, "\":"u8);
    private static readonly byte[] IdKey = Key(",\""u8, WireFields.Id, "\":\""u8);
    private static readonly byte[] TsKey = Key("\",\""u8, WireFields.Ts, "\":"u8);
    private static readonly byte[] JobIdKey = Key(",\""u8, WireFields.JobId, "\":\""u8);
    private static readonly byte[] RuntimeKey = Key(",\""u8, WireFields.Runtime, "\":"u8);
    private static readonly byte[] WaitKey = Key(",\""u8, WireFields.Wait, "\":"u8);
    private static readonly byte[] ExceptionKey = Key(",\""u8, WireFields.Exception, "\":\""u8);
    private static readonly byte[] ActiveKey = Key(",\""u8, WireFields.Active, "\":"u8);
    private static readonly byte[] IntervalKey = Key(",\""u8, WireFields.Interval, "\":"u8);
    private static readonly byte[] DroppedKey = Key(",\""u8, WireFields.Dropped, "\":"u8);
    private static readonly byte[] PublishFailuresKey = Key(",\""u8, WireFields.PublishFailures, "\":"u8);
    private static readonly byte[] BacklogFailuresKey = Key(",\""u8, WireFields.BacklogFailures, "\":"u8);

    private static byte[] Key(ReadOnlySpan<byte> before, ReadOnlySpan<byte> name, ReadOnlySpan<byte> after)
    {
        var key = new byte[before.Length + name.Length + after.Length];
        before.CopyTo(key);
        name.CopyTo(key.AsSpan(before.Length));
        after.CopyTo(key.AsSpan(before.Length + name.Length));
        return key;
    }

    [ThreadStatic]
    private static EventUtf8Writer? _current;

    private readonly Head?[] _heads = new Head?[HeadSlots];

    public static EventUtf8Writer ForThisThread() => _current ??= new EventUtf8Writer();

    public void Write(IBufferWriter<byte> buffer, JobEvent e)
    {
        if (e.Backlog is not null || !EventJson.NumbersFit(e))
        {
            using var writer = new Utf8JsonWriter(buffer, Unchecked);
            EventJson.Write(writer, e);
            return;
        }
        Write(buffer, HeadOf(e.Type, e.System, e.Hostname, e.Name, e.Queue), e.V, e.Id, 0, e.Ts, e.JobId, jobNumber: null, e.Runtime, e.Wait, e.Exception,
            e.Active, e.Interval, e.Dropped, e.PublishFailures, e.BacklogFailures);
    }

    /// <summary>
    /// Writes a job event from its fields, its id as the number <see cref="EventIds"/> makes an id of, and its job id as
    /// text or as a number: the emitter's inline events (its <c>PendingEvent</c>), whose numbers are known to fit.
    /// </summary>
    internal void WriteJob(IBufferWriter<byte> buffer, EventType type, string system, string hostname, string? name, string? queue, long idNumber,
        double ts, string? jobId, long? jobNumber, double? runtime, double? wait, string? exception) =>
        Write(buffer, HeadOf(type, system, hostname, name, queue), JobEvent.CurrentVersion, id: null, idNumber, ts, jobId, jobNumber, runtime, wait,
            exception, active: null, interval: null, dropped: null, publishFailures: null, backlogFailures: null);

    // The id is the string given, or else the one EventIds makes of the number; the job id is the string or the number given.
    private static void Write(IBufferWriter<byte> buffer, Head head, int version, string? id, long idNumber, double ts, string? jobId, long? jobNumber,
        double? runtime, double? wait,
        string? exception, int? active, double? interval, long? dropped, long? publishFailures, long? backlogFailures)
    {
        Text? idText = id is null ? null : TextOf(id);
        Text? jobIdText = jobId is null ? null : TextOf(jobId);
        Text? exceptionText = exception is null ? null : TextOf(exception);
        // Names, quotes and commas of every field, and the longest form of each number, are well within 256 bytes.
        var most = 256 + 8 * MaxNumber + head.Bytes.Length + (idText?.Length ?? EventIds.Length) + (jobIdText?.Length ?? (jobNumber is null ? 0 : MaxNumber)) + (exceptionText?.Length ?? 0);
        var span = buffer.GetSpan(most);
        var at = 0;
        Put(span, ref at, VKey);
        Long(span, ref at, version);
        Put(span, ref at, IdKey);
        if (idText is { } text) text.CopyTo(span, ref at);
        else EventIds.WriteUtf8(span, ref at, idNumber);
        Put(span, ref at, TsKey);
        Seconds(span, ref at, ts);
        Put(span, ref at, head.Bytes);
        if (jobIdText is { } jobIdValue) Quoted(span, ref at, JobIdKey, jobIdValue);
        else if (jobNumber is { } n)
        {
            Put(span, ref at, JobIdKey);
            Long(span, ref at, n);
            Put(span, ref at, "\""u8);
        }
        if (runtime is { } r) Number(span, ref at, RuntimeKey, r);
        if (wait is { } w) Number(span, ref at, WaitKey, w);
        if (exceptionText is { } exceptionValue) Quoted(span, ref at, ExceptionKey, exceptionValue);
        if (active is { } a) Long(span, ref at, ActiveKey, a);
        if (interval is { } i) Number(span, ref at, IntervalKey, i);
        if (dropped is { } d) Long(span, ref at, DroppedKey, d);
        if (publishFailures is { } f) Long(span, ref at, PublishFailuresKey, f);
        if (backlogFailures is { } b) Long(span, ref at, BacklogFailuresKey, b);
        Put(span, ref at, "}"u8);
        buffer.Advance(at);
    }

    // The cached head of events with these very strings (compared by reference: emitters pass the same instances).
    private Head HeadOf(EventType type, string system, string hostname, string? name, string? queue)
    {
        var slot = (int)((uint)((int)type * 31 + RuntimeHelpers.GetHashCode(name ?? "") * 7 + RuntimeHelpers.GetHashCode(queue ?? "")) % HeadSlots);
        var head = _heads[slot];
        if (head is not null && head.Type == type && ReferenceEquals(head.System, system) && ReferenceEquals(head.Hostname, hostname)
            && ReferenceEquals(head.Name, name) && ReferenceEquals(head.Queue, queue))
        {
            return head;
        }
        return _heads[slot] = new Head(type, system, hostname, name, queue);
    }

    /// <summary><c>,"type":…,"system":…,"hostname":…[,"name":…][,"queue":…]</c>, escaped as <see cref="EventJson.Write"/> escapes them.</summary>
    private sealed class Head
    {
        public Head(EventType type, string system, string hostname, string? name, string? queue)
        {
            Type = type;
            System = system;
            Hostname = hostname;
            Name = name;
            Queue = queue;
            var buffer = new PooledBufferWriter(256);
            try
            {
                using (var writer = new Utf8JsonWriter(buffer, Unchecked))
                {
                    // Written as the properties of an object, then taken without its braces.
                    writer.WriteStartObject();
                    writer.WriteString(WireFields.Type, type.ToWireName());
                    writer.WriteString(WireFields.System, system);
                    writer.WriteString(WireFields.Hostname, hostname);
                    if (name is not null) writer.WriteString(WireFields.Name, name);
                    if (queue is not null) writer.WriteString(WireFields.Queue, queue);
                    writer.WriteEndObject();
                }
                var written = buffer.WrittenMemory.Span;
                var bytes = new byte[written.Length - 1];
                bytes[0] = (byte)',';
                written.Slice(1, written.Length - 2).CopyTo(bytes.AsSpan(1));
                Bytes = bytes;
            }
            finally
            {
                buffer.Dispose();
            }
        }

        public EventType Type { get; }
        public string System { get; }
        public string Hostname { get; }
        public string? Name { get; }
        public string? Queue { get; }
        public byte[] Bytes { get; }
    }

    // A string value without its quotes: plain printable ASCII as it is, anything else escaped by System.Text.Json.
    private static Text TextOf(string value)
    {
        foreach (var c in value)
        {
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return new Text(null, Escaped(value));
        }
        return new Text(value, null);
    }

    // JsonEncodedText refuses a lone surrogate (an exception message cut in the middle of a pair, say), which would fail
    // the whole message at every retry; Utf8JsonWriter, as the head and EventJson.Write use it, writes it as U+FFFD.
    private static byte[] Escaped(string value)
    {
        try
        {
            return JsonEncodedText.Encode(value).EncodedUtf8Bytes.ToArray();
        }
        catch (ArgumentException)
        {
            var buffer = new PooledBufferWriter(value.Length * 6 + 2);
            try
            {
                using (var writer = new Utf8JsonWriter(buffer, Unchecked)) writer.WriteStringValue(value);
                var quoted = buffer.WrittenMemory.Span;
                return quoted.Slice(1, quoted.Length - 2).ToArray();
            }
            finally
            {
                buffer.Dispose();
            }
        }
    }

    private readonly struct Text(string? ascii, byte[]? escaped)
    {
        public int Length => ascii?.Length ?? escaped!.Length;

        public void CopyTo(Span<byte> span, ref int at)
        {
            if (escaped is not null)
            {
                Put(span, ref at, escaped);
                return;
            }
            var target = span.Slice(at, ascii!.Length);
            for (var i = 0; i < target.Length; i++) target[i] = (byte)ascii[i];
            at += target.Length;
        }
    }

    private static void Put(Span<byte> span, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span.Slice(at));
        at += bytes.Length;
    }

    private static void Long(Span<byte> span, ref int at, long value)
    {
        Utf8Formatter.TryFormat(value, span.Slice(at), out var written);
        at += written;
    }

    private static void Long(Span<byte> span, ref int at, ReadOnlySpan<byte> name, long value)
    {
        Put(span, ref at, name);
        Long(span, ref at, value);
    }

    // The name ends with the value's opening quote.
    private static void Quoted(Span<byte> span, ref int at, ReadOnlySpan<byte> nameAndQuote, Text value)
    {
        Put(span, ref at, nameAndQuote);
        value.CopyTo(span, ref at);
        Put(span, ref at, "\""u8);
    }

    private static void Number(Span<byte> span, ref int at, ReadOnlySpan<byte> name, double value)
    {
        Put(span, ref at, name);
        Double(span, ref at, value);
    }

    // The shortest form that reads back as the same double, as Utf8JsonWriter writes it.
    internal static void Double(Span<byte> span, ref int at, double value)
    {
#if NETSTANDARD2_0
        // .NET Framework's "G" is not round-trip; "R" is, and System.Text.Json uses it there too.
        var text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < text.Length; i++) span[at + i] = (byte)text[i];
        var written = text.Length;
#else
        value.TryFormat(span.Slice(at), out var written, default, System.Globalization.CultureInfo.InvariantCulture);
#endif
        at += written;
    }

    /// <summary>Whole milliseconds as <c>&lt;seconds&gt;.&lt;up to 3 digits&gt;</c> from integers (all that the emitter's <c>EventFactory</c> makes); anything else as a double.</summary>
    internal static void Seconds(Span<byte> span, ref int at, double seconds)
    {
        var ms = Math.Round(seconds * 1000);
        if (ms is < 0 or > 1e15 || ms / 1000 != seconds)
        {
            Double(span, ref at, seconds);
            return;
        }
        Long(span, ref at, (long)ms / 1000);
        var fraction = (int)((long)ms % 1000);
        if (fraction == 0) return;
        span[at++] = (byte)'.';
        span[at++] = (byte)('0' + fraction / 100);
        span[at++] = (byte)('0' + fraction / 10 % 10);
        span[at++] = (byte)('0' + fraction % 10);
        while (span[at - 1] == '0') at--;
    }
}
