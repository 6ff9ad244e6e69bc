using System.Text.Json;
using JobExporter.Contracts;

namespace JobExporter.Celery;

/// <summary>
/// Turns one Celery event message (a JSON object, or on <c>task.multi</c> a JSON list of them) into the exporter's
/// <see cref="JobEvent"/>s with <c>system="celery"</c>, filling in from the <see cref="CeleryTaskIndex"/> what later
/// events of a task leave out: its name and queue, the wait (started minus received, else minus sent) and a failure's
/// runtime (failed minus started). It never throws on bad input: every rejected message or event is one
/// <see cref="IEventSink.OnInvalid"/>, and the good events of a list around a bad one still count.
/// Not thread-safe: one consumer owns it, with its index.
/// </summary>
internal sealed class CeleryEventDecoder(EventParserLimits limits, CeleryTaskIndex tasks) : IEventObjectReader
{
    public const string System = "celery";

    /// <summary>Depth allowed: a list of events holding Celery's small arrays (loadavg) and whatever a hostile sender nests.</summary>
    private const int MaxDepth = 16;

    /// <summary>Distinct hostnames, task names and queues kept as strings (label values, capped far lower on /metrics).</summary>
    private const int CachedStrings = 4096;

    private readonly Utf8StringCache _strings = new(CachedStrings);

    /// <summary>Decodes one message; <paramref name="contentType"/> is the AMQP content_type property.</summary>
    public void Decode(ReadOnlySpan<byte> body, string? contentType, IEventSink sink)
    {
        if (!IsJson(contentType))
        {
            sink.OnInvalid(CeleryInvalidReasons.UnsupportedContentType);
            return;
        }
        EventMessage.Read(body, limits, MaxDepth, this, sink);
    }

    /// <summary>Celery's JSON serializer sends <c>application/json</c>; parameters such as a charset are allowed.</summary>
    public static bool IsJson(string? contentType)
    {
        if (contentType is null) return false;
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    public void ReadEvent(ref Utf8JsonReader reader, IEventSink sink)
    {
        var fields = new CeleryEventFields();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = CeleryEventFields.FieldOf(ref reader);
            reader.Read();
            if (field == CeleryEventFields.Field.Unknown || reader.TokenType == JsonTokenType.Null)
            {
                reader.Skip();
                continue;
            }
            if (!fields.Set(field, ref reader, _strings))
            {
                fields.Reject(InvalidReasons.WrongType);
                reader.Skip();
            }
        }
        var reason = fields.Validate();
        if (reason is not null)
        {
            sink.OnInvalid(reason);
            return;
        }
        sink.OnEvent(fields.Type.IsWorkerEvent() ? WorkerEvent(in fields) : TaskEvent(in fields));
    }

    private static JobEvent WorkerEvent(in CeleryEventFields f) => new()
    {
        Type = f.Type,
        Id = EventId(f.Type, f.Hostname, f.TimestampText),
        Ts = f.Timestamp,
        System = System,
        Hostname = f.Hostname!,
        Interval = f.Freq is > 0 ? f.Freq : null,
        Active = f.Active,
    };

    private JobEvent TaskEvent(in CeleryEventFields f)
    {
        Span<char> buffer = stackalloc char[Utf8StringCache.LongestValue];
        var uuid = f.Uuid(buffer);
        var ends = f.Type is EventType.JobSucceeded or EventType.JobFailed or EventType.JobRejected or EventType.JobRevoked;
        // A task that ends without an entry (started before the exporter, or forgotten) needs none made for it.
        var task = ends ? tasks.Find(uuid) : tasks.GetOrAdd(uuid);
        double? wait = null, runtime = f.Runtime;
        if (task is not null)
        {
            if (f.Name is not null) task.Name = f.Name;
            if (f.Queue is not null) task.Queue = f.Queue;
            switch (f.Type)
            {
                case EventType.JobSent:
                    task.SentTs = f.Timestamp;
                    break;
                case EventType.JobReceived:
                    task.ReceivedTs = f.Timestamp;
                    break;
                case EventType.JobStarted:
                    task.StartedTs = f.Timestamp;
                    // Two senders' clocks: a small skew must not make a negative wait.
                    if ((task.ReceivedTs ?? task.SentTs) is { } queuedAt) wait = Math.Max(0, f.Timestamp - queuedAt);
                    break;
                case EventType.JobSucceeded or EventType.JobFailed:
                    if (runtime is null && task.StartedTs is { } startedAt) runtime = Math.Max(0, f.Timestamp - startedAt);
                    break;
            }
        }
        var e = new JobEvent
        {
            Type = f.Type,
            Id = EventId(f.Type, uuid, f.TimestampText),
            Ts = f.Timestamp,
            System = System,
            Hostname = f.Hostname!,
            Name = task?.Name ?? f.Name,
            Queue = task?.Queue ?? f.Queue,
            JobId = task?.Uuid ?? uuid.ToString(),
            Wait = wait,
            Runtime = runtime,
            Exception = f.Type is EventType.JobFailed or EventType.JobRetried ? ExceptionRepr.TypeName(f.Exception) : null,
        };
        if (ends) tasks.End(uuid);
        return e;
    }

    /// <summary>
    /// The id de-duplication goes by: the event's type, its task uuid (a worker event: its hostname) and the sender's
    /// timestamp as written. Celery stamps each event with time.time(), so two events of one task and type never share
    /// one, while a message delivered twice repeats all three.
    /// </summary>
    private static string EventId(EventType type, ReadOnlySpan<char> subject, ReadOnlySpan<byte> timestamp)
    {
        var length = 2 + subject.Length + timestamp.Length;
        Span<char> id = length <= 256 ? stackalloc char[256] : new char[length];
        id[0] = (char)('a' + (int)type);
        subject.CopyTo(id[1..]);
        id[1 + subject.Length] = '|';
        // The timestamp is a JSON number: ASCII, one char a byte.
        var tail = id.Slice(2 + subject.Length, timestamp.Length);
        for (var i = 0; i < timestamp.Length; i++) tail[i] = (char)timestamp[i];
        return new string(id[..length]);
    }
}
