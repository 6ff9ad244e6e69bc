using System.Text.Json;
using JobExporter.Contracts;
using static JobExporter.Contracts.JsonValues;

namespace JobExporter.Events;

/// <summary>
/// Reads one message body (an event object or an array of them, see <see cref="EventMessage"/>) and hands each good
/// event and each rejection to a sink. It never throws on bad input: one bad event in a batch rejects that event only,
/// and a body that is not JSON at all is one rejection. Unknown fields are ignored.
/// </summary>
internal sealed class EventParser(EventParserLimits limits)
{
    public EventParser() : this(EventParserLimits.Default)
    {
    }

    public EventParserLimits Limits { get; } = limits;

    /// <summary>
    /// Whether events carry their <c>job_id</c>. The exporter counts no job by its id and sets this false, so an id is
    /// checked as a string but not made into one (a string an event, the collector's to free); test tools read it.
    /// </summary>
    public bool KeepJobIds { get; init; } = true;

    /// <summary>Distinct label values a thread keeps one string of.</summary>
    public const int CachedLabels = 1024;

    // The label values (system, hostname, name, queue, and the exception type of a failure) repeat on nearly every event: one string per distinct value, so a
    // known one costs a lookup and no garbage. One cache per thread, since the ingest endpoint parses on several at once.
    [ThreadStatic] private static Utf8StringCache? t_labels;

    public void Parse(ReadOnlySpan<byte> body, IEventSink sink) =>
        EventMessage.Read(body, Limits, Limits.MaxDepth, new OurEvents(Limits.MaxDepth, t_labels ??= new Utf8StringCache(CachedLabels), KeepJobIds), sink);

    /// <summary>Our event format, for <see cref="EventMessage"/>.</summary>
    private readonly struct OurEvents(int maxDepth, Utf8StringCache labels, bool keepJobIds) : IEventObjectReader
    {
        public void ReadEvent(ref Utf8JsonReader reader, IEventSink sink) => EventParser.ReadEvent(ref reader, maxDepth, labels, keepJobIds, sink);
    }

    // Reads the object the reader is positioned on, leaving it on the object's end.
    private static void ReadEvent(ref Utf8JsonReader reader, int maxDepth, Utf8StringCache labels, bool keepJobIds, IEventSink sink)
    {
        var fields = new EventFields();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = FieldOf(ref reader);
            reader.Read();
            if (property == Field.Unknown || reader.TokenType == JsonTokenType.Null)
            {
                if (!SkipWithin(ref reader, maxDepth)) fields.RejectTooDeep();
                continue;
            }
            if (property == Field.Backlog && !FitsWithin(reader, maxDepth))
            {
                fields.RejectTooDeep();
                reader.Skip();
                continue;
            }
            if (!fields.Set(property, ref reader, labels, keepJobIds))
            {
                fields.Reject(InvalidReasons.WrongType);
                if (!SkipWithin(ref reader, maxDepth)) fields.RejectTooDeep();
            }
        }
        var reason = fields.Validate();
        if (reason is null)
        {
            sink.OnEvent(fields.ToEvent());
        }
        else
        {
            sink.OnInvalid(reason);
        }
    }

    // The backlog is read by its own reader, which does not count depth: a copy of the reader looks first (storage-backlog is rare).
    private static bool FitsWithin(Utf8JsonReader probe, int maxDepth) => SkipWithin(ref probe, maxDepth);

    // An unescaped name (every name our emitters write) is compared by its bytes with the few names of its length; a
    // chain of ValueTextEquals cost up to 18 calls a field, a twentieth of the exporter's CPU in the NativeAOT build.
    private static Field FieldOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            foreach (var (name, field) in Fields) if (reader.ValueTextEquals(name)) return field;
            return Field.Unknown;
        }
        var span = reader.ValueSpan;
        if (span.Length >= FieldsByLength.Length) return Field.Unknown;
        foreach (var (name, field) in FieldsByLength[span.Length]) if (span.SequenceEqual(name)) return field;
        return Field.Unknown;
    }

    private static readonly (byte[] Name, Field Field)[] Fields =
    [
        (WireFields.V.ToArray(), Field.V), (WireFields.Type.ToArray(), Field.Type), (WireFields.Id.ToArray(), Field.Id),
        (WireFields.Ts.ToArray(), Field.Ts), (WireFields.System.ToArray(), Field.System), (WireFields.Hostname.ToArray(), Field.Hostname),
        (WireFields.Name.ToArray(), Field.Name), (WireFields.Queue.ToArray(), Field.Queue), (WireFields.JobId.ToArray(), Field.JobId),
        (WireFields.Runtime.ToArray(), Field.Runtime), (WireFields.Wait.ToArray(), Field.Wait), (WireFields.Exception.ToArray(), Field.Exception),
        (WireFields.Active.ToArray(), Field.Active), (WireFields.Interval.ToArray(), Field.Interval), (WireFields.Dropped.ToArray(), Field.Dropped),
        (WireFields.PublishFailures.ToArray(), Field.PublishFailures), (WireFields.BacklogFailures.ToArray(), Field.BacklogFailures),
        (WireFields.Backlog.ToArray(), Field.Backlog),
    ];

    // Indexed by a name's length in bytes.
    private static readonly (byte[] Name, Field Field)[][] FieldsByLength =
        [.. Enumerable.Range(0, Fields.Max(f => f.Name.Length) + 1).Select(length => Fields.Where(f => f.Name.Length == length).ToArray())];

    private enum Field
    {
        Unknown, V, Type, Id, Ts, System, Hostname, Name, Queue, JobId, Runtime, Wait, Exception, Active, Interval, Dropped, PublishFailures, BacklogFailures, Backlog,
    }

    /// <summary>The fields of one event as they are read, then checked against what its type requires.</summary>
    private struct EventFields
    {
        private int? _v;
        private EventType? _type;
        private bool _typeUnknown;
        private string? _id, _system, _hostname, _name, _queue, _jobId, _exception;
        private double? _ts, _runtime, _wait, _interval;
        private int? _active;
        private long? _dropped;
        private long? _publishFailures;
        private long? _backlogFailures;
        private BacklogSnapshot? _backlog;
        private string? _rejection;
        private bool _tooDeep;

        public void Reject(string reason) => _rejection ??= reason;

        /// <summary>Nesting is checked before anything else, as it was when one deep value stopped the whole message.</summary>
        public void RejectTooDeep() => _tooDeep = true;

        public bool Set(Field field, ref Utf8JsonReader reader, Utf8StringCache labels, bool keepJobIds)
        {
            switch (field)
            {
                case Field.V:
                    return TryInt(ref reader, out _v);
                case Field.Type:
                    if (reader.TokenType != JsonTokenType.String) return false;
                    if (!reader.ValueIsEscaped && EventTypeNames.TryParse(reader.ValueSpan, out var type)
                        || TryString(ref reader, out var typeName) && EventTypeNames.TryParse(typeName!, out type))
                    {
                        _type = type;
                    }
                    else
                    {
                        _typeUnknown = true;
                    }
                    return true;
                case Field.Id: return TryString(ref reader, out _id);
                case Field.Ts: return TryNumber(ref reader, out _ts);
                case Field.System: return labels.TryRead(ref reader, out _system);
                case Field.Hostname: return labels.TryRead(ref reader, out _hostname);
                case Field.Name: return labels.TryRead(ref reader, out _name);
                case Field.Queue: return labels.TryRead(ref reader, out _queue);
                case Field.JobId: return keepJobIds ? TryString(ref reader, out _jobId) : IsString(ref reader);
                case Field.Runtime: return TryNumber(ref reader, out _runtime);
                case Field.Wait: return TryNumber(ref reader, out _wait);
                // Failure types repeat like labels (the applier guards them as one).
                case Field.Exception: return labels.TryRead(ref reader, out _exception);
                case Field.Active: return TryInt(ref reader, out _active);
                case Field.Interval: return TryNumber(ref reader, out _interval);
                case Field.Dropped: return TryLong(ref reader, out _dropped);
                case Field.PublishFailures: return TryLong(ref reader, out _publishFailures);
                case Field.BacklogFailures: return TryLong(ref reader, out _backlogFailures);
                case Field.Backlog:
                    _backlog = BacklogParser.Read(ref reader, out var rejection);
                    if (rejection is not null) Reject(rejection);
                    return true;
                default: return false;
            }
        }

        // A string token that is a valid string, without making it one: only an escaped value can fail to be.
        private static bool IsString(ref Utf8JsonReader reader) =>
            reader.TokenType == JsonTokenType.String && (!reader.ValueIsEscaped || TryString(ref reader, out _));

        public readonly string? Validate()
        {
            if (_tooDeep) return InvalidReasons.TooDeep;
            if (_v is { } v && v != JobEvent.CurrentVersion) return InvalidReasons.UnknownVersion;
            if (_typeUnknown) return InvalidReasons.UnknownType;
            if (_rejection is not null) return _rejection;
            if (_v is null || _type is null || string.IsNullOrEmpty(_id) || _ts is null
                || string.IsNullOrEmpty(_system) || string.IsNullOrEmpty(_hostname))
            {
                return InvalidReasons.MissingField;
            }
            var type = _type.Value;
            if (type.IsJobEvent() && (string.IsNullOrEmpty(_name) || string.IsNullOrEmpty(_queue)))
            {
                return InvalidReasons.MissingField;
            }
            if (type is EventType.JobSucceeded or EventType.JobFailed && _runtime is null) return InvalidReasons.MissingField;
            if (type is EventType.WorkerHeartbeat && _active is null) return InvalidReasons.MissingField;
            if (type is EventType.StorageBacklog && _backlog is null) return InvalidReasons.MissingField;
            if (!EventBounds.IsTimestamp(_ts.Value) || !EventBounds.IsDuration(_runtime) || !EventBounds.IsDuration(_wait)
                || !EventBounds.IsInterval(_interval) || !EventBounds.IsCount(_active) || !EventBounds.IsCount(_dropped)
                || !EventBounds.IsCount(_publishFailures) || !EventBounds.IsCount(_backlogFailures))
            {
                return InvalidReasons.InvalidValue;
            }
            return null;
        }

        public readonly JobEvent ToEvent() => new()
        {
            V = _v!.Value,
            Type = _type!.Value,
            Id = _id!,
            Ts = _ts!.Value,
            System = _system!,
            Hostname = _hostname!,
            Name = _name,
            Queue = _queue,
            JobId = _jobId,
            Runtime = _runtime,
            Wait = _wait,
            Exception = _exception,
            Active = _active,
            Interval = _interval,
            Dropped = _dropped,
            PublishFailures = _publishFailures,
            BacklogFailures = _backlogFailures,
            Backlog = _backlog,
        };
    }
}
