using System.Globalization;
using System.Text;
using System.Text.Json;
using JobExporter.Contracts;
using JobExporter.Events;
using static JobExporter.Contracts.JsonValues;

namespace JobExporter.Celery;

/// <summary>
/// Turns one Celery event message (a JSON object, or on <c>task.multi</c> a JSON list of them) into the exporter's
/// <see cref="JobEvent"/>s with <c>system="celery"</c>, filling in from the <see cref="CeleryTaskIndex"/> what later
/// events of a task leave out: its name and queue, the wait (started minus received, else minus sent) and a failure's
/// runtime (failed minus started). An event of a task it has no entry for, that does not name the task itself, waits in
/// the <see cref="CeleryEventHold"/> for the task's task-sent or task-received (see there why); so does a task-received
/// of such a task when task-sent comes for its name (<see cref="CelerySentNames"/>).
/// It never throws on bad input: every rejected message or event is one <see cref="IEventSink.OnInvalid"/>, and the good
/// events of a list around a bad one still count.
/// Not thread-safe: one consumer owns it, with its index and hold.
/// </summary>
internal sealed class CeleryEventDecoder(EventParserLimits limits, CeleryTaskIndex tasks, CeleryEventHold hold) : IEventObjectReader
{
    public const string System = SystemNames.Celery;

    /// <summary>Depth allowed: a list of events holding Celery's small arrays (loadavg) and whatever a hostile sender nests.</summary>
    private const int MaxDepth = 16;

    /// <summary>Distinct hostnames, task names and queues kept as strings (label values, capped far lower on /metrics).</summary>
    private const int CachedStrings = 4096;

    private readonly Utf8StringCache _strings = new(CachedStrings);
    private readonly CelerySentNames _sentNames = new();

    /// <summary>Decodes one message; <paramref name="contentType"/> is the AMQP content_type property.</summary>
    public void Decode(ReadOnlySpan<byte> body, string? contentType, IEventSink sink)
    {
        if (hold.Count > 0) ApplyExpired(sink);
        if (!IsJson(contentType))
        {
            sink.OnInvalid(CeleryInvalidReasons.UnsupportedContentType);
            return;
        }
        EventMessage.Read(body, limits, MaxDepth, this, sink);
    }

    /// <summary>Applies, as unknown, the held events whose task was not named in time (on a timer, and before each message).</summary>
    public void ApplyExpired(IEventSink sink) => ApplyHeld(hold.TakeExpired(), sink);

    /// <summary>Applies every held event, as unknown unless named meanwhile: the exporter is stopping.</summary>
    public void ApplyAllHeld(IEventSink sink) => ApplyHeld(hold.TakeAll(), sink);

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
                if (!SkipWithin(ref reader, MaxDepth)) fields.RejectTooDeep();
                continue;
            }
            if (!fields.Set(field, ref reader, _strings))
            {
                fields.Reject(InvalidReasons.WrongType);
                if (!SkipWithin(ref reader, MaxDepth)) fields.RejectTooDeep();
            }
        }
        var reason = fields.Validate();
        if (reason is not null)
        {
            sink.OnInvalid(reason);
            return;
        }
        if (fields.Type.IsWorkerEvent())
        {
            sink.OnEvent(WorkerEvent(in fields));
            return;
        }
        Span<char> buffer = stackalloc char[Utf8StringCache.LongestValue];
        var uuid = CeleryTaskIndex.KeyOf(fields.Uuid(buffer));
        var task = tasks.Find(uuid);
        if (task is null && (fields.Name is null || WaitsForSent(in fields)))
        {
            // Not named yet, maybe only not yet: held for the task-sent that Celery publishes after the task itself. So is
            // a task-received of a name whose app sends task-sent, the only event that names the task's queue.
            // Held as little as will be used: the hostname and name cut as their labels will be, the exception's type only.
            var pushedOut = hold.Add(new CeleryEventHold.Event(fields.Type, uuid.ToString(), fields.Timestamp, HeldTimestamp(in fields),
                tasks.Cut(fields.Hostname!), fields.Runtime, ExceptionRepr.TypeName(fields.Exception), fields.Name is null ? null : tasks.Cut(fields.Name)));
            if (pushedOut is not null) ApplyHeld(pushedOut, sink);
            return;
        }
        if (fields.Type == EventType.JobSent && fields.Name is { } sentName) _sentNames.Add(sentName);
        Apply(TaskEvent(fields.Type, uuid, task, fields.Timestamp, fields.TimestampText, fields.Hostname!, fields.Name, fields.Queue,
            fields.Runtime, fields.Exception), sink);
        if (fields.Name is not null && hold.Take(uuid) is { } named) ApplyHeld(named, sink);
    }

    private bool WaitsForSent(in CeleryEventFields fields) => fields.Type == EventType.JobReceived && _sentNames.Contains(fields.Name!);

    // A wait or runtime computed from two events' timestamps is held to the same bound as one sent on the wire.
    private static void Apply(JobEvent e, IEventSink sink)
    {
        if (EventBounds.IsDuration(e.Wait) && EventBounds.IsDuration(e.Runtime)) sink.OnEvent(e);
        else sink.OnInvalid(InvalidReasons.InvalidValue);
    }

    /// <summary>Longest timestamp kept as written; a longer one (digits no clock sends) is kept as the number it reads as.</summary>
    private const int LongestTimestampText = 32;

    private static byte[] HeldTimestamp(in CeleryEventFields fields) => fields.TimestampText.Length <= LongestTimestampText
        ? fields.TimestampText.ToArray()
        : Encoding.ASCII.GetBytes(fields.Timestamp.ToString("R", CultureInfo.InvariantCulture));

    private void ApplyHeld(IReadOnlyList<CeleryEventHold.Event> events, IEventSink sink)
    {
        foreach (var e in events) ApplyHeld(e, sink);
    }

    private void ApplyHeld(CeleryEventHold.Event e, IEventSink sink) =>
        Apply(TaskEvent(e.Type, e.Uuid, tasks.Find(e.Uuid), e.Timestamp, e.TimestampText, e.Hostname, e.Name, null, e.Runtime, e.Exception), sink);

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

    /// <param name="task">The task's entry, if it has one (found by the caller).</param>
    private JobEvent TaskEvent(EventType type, ReadOnlySpan<char> uuid, CeleryTaskIndex.Entry? task, double timestamp, ReadOnlySpan<byte> timestampText,
        string hostname, string? name, string? queue, double? runtime, string? exception)
    {
        var ends = type is EventType.JobSucceeded or EventType.JobFailed or EventType.JobRejected or EventType.JobRevoked;
        // A task that ends without an entry (started before the exporter, or forgotten) needs none made for it.
        if (task is null && !ends) task = tasks.Add(uuid);
        double? wait = null;
        if (task is not null)
        {
            tasks.Describe(task, name, queue);
            switch (type)
            {
                case EventType.JobSent:
                    task.SentTs = timestamp;
                    break;
                case EventType.JobReceived:
                    task.ReceivedTs = timestamp;
                    break;
                case EventType.JobStarted:
                    task.StartedTs = timestamp;
                    // Two senders' clocks: a small skew must not make a negative wait.
                    if ((task.ReceivedTs ?? task.SentTs) is { } queuedAt) wait = Math.Max(0, timestamp - queuedAt);
                    break;
                case EventType.JobSucceeded or EventType.JobFailed:
                    if (runtime is null && task.StartedTs is { } startedAt) runtime = Math.Max(0, timestamp - startedAt);
                    break;
            }
        }
        var e = new JobEvent
        {
            Type = type,
            Id = EventId(type, uuid, timestampText),
            Ts = timestamp,
            System = System,
            Hostname = hostname,
            Name = task?.Name ?? name,
            Queue = task?.Queue ?? queue,
            JobId = task?.Uuid ?? uuid.ToString(),
            Wait = wait,
            Runtime = runtime,
            Exception = type is EventType.JobFailed or EventType.JobRetried ? ExceptionRepr.TypeName(exception) : null,
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
