using System.Text.Json;
using System.Text.Unicode;
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
internal sealed class CeleryEventDecoder(EventParserLimits limits, CeleryTaskIndex tasks)
{
    public const string System = "celery";

    /// <summary>Depth allowed: a list of events holding Celery's small arrays (loadavg) and whatever a hostile sender nests.</summary>
    private const int MaxDepth = 16;

    /// <summary>Decodes one message; <paramref name="contentType"/> is the AMQP content_type property.</summary>
    public void Decode(ReadOnlySpan<byte> body, string? contentType, IEventSink sink)
    {
        if (!IsJson(contentType))
        {
            sink.OnInvalid(CeleryInvalidReasons.UnsupportedContentType);
            return;
        }
        if (body.Length > limits.MaxMessageBytes)
        {
            sink.OnInvalid(InvalidReasons.TooLarge);
            return;
        }
        if (!Utf8.IsValid(body))
        {
            sink.OnInvalid(InvalidReasons.InvalidUtf8);
            return;
        }
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read())
            {
                sink.OnInvalid(InvalidReasons.NotJson);
                return;
            }
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    ReadEvent(ref reader, sink);
                    break;
                case JsonTokenType.StartArray:
                    ReadList(ref reader, sink);
                    break;
                default:
                    sink.OnInvalid(InvalidReasons.NotAnObject);
                    return;
            }
            if (reader.Read()) sink.OnInvalid(InvalidReasons.NotJson);
        }
        catch (JsonException)
        {
            sink.OnInvalid(reader.CurrentDepth >= MaxDepth - 1 ? InvalidReasons.TooDeep : InvalidReasons.NotJson);
        }
    }

    /// <summary>Celery's JSON serializer sends <c>application/json</c>; parameters such as a charset are allowed.</summary>
    public static bool IsJson(string? contentType)
    {
        if (contentType is null) return false;
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    private void ReadList(ref Utf8JsonReader reader, IEventSink sink)
    {
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (++count > limits.MaxBatchEvents)
            {
                sink.OnInvalid(InvalidReasons.BatchTooLarge);
                reader.Skip();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) reader.Skip();
                return;
            }
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                ReadEvent(ref reader, sink);
            }
            else
            {
                sink.OnInvalid(InvalidReasons.NotAnObject);
                reader.Skip();
            }
        }
    }

    private void ReadEvent(ref Utf8JsonReader reader, IEventSink sink)
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
            if (!fields.Set(field, ref reader))
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
        sink.OnEvent(fields.Type.IsWorkerEvent() ? WorkerEvent(fields) : TaskEvent(fields));
    }

    private static JobEvent WorkerEvent(in CeleryEventFields f) => new()
    {
        Type = f.Type,
        Id = $"{CeleryEventTypes.CeleryName(f.Type)}|{f.Hostname}|{f.TimestampText}",
        Ts = f.Timestamp,
        System = System,
        Hostname = f.Hostname!,
        Interval = f.Freq is > 0 ? f.Freq : null,
        Active = f.Active,
    };

    private JobEvent TaskEvent(in CeleryEventFields f)
    {
        var ends = f.Type is EventType.JobSucceeded or EventType.JobFailed or EventType.JobRejected or EventType.JobRevoked;
        // A task that ends without an entry (started before the exporter, or forgotten) needs none made for it.
        var task = ends ? tasks.Find(f.Uuid!) : tasks.GetOrAdd(f.Uuid!);
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
            Id = $"{CeleryEventTypes.CeleryName(f.Type)}|{f.Uuid}|{f.Hostname}|{f.TimestampText}",
            Ts = f.Timestamp,
            System = System,
            Hostname = f.Hostname!,
            Name = task?.Name ?? f.Name,
            Queue = task?.Queue ?? f.Queue,
            JobId = f.Uuid,
            Wait = wait,
            Runtime = runtime,
            Exception = f.Type is EventType.JobFailed or EventType.JobRetried ? ExceptionRepr.TypeName(f.Exception) : null,
        };
        if (ends) tasks.End(f.Uuid!);
        return e;
    }
}
