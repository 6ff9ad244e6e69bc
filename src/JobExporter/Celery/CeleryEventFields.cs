using System.Text;
using System.Text.Json;
using JobExporter.Contracts;
using JobExporter.Events;
using static JobExporter.Contracts.JsonValues;

namespace JobExporter.Celery;

/// <summary>
/// The fields of one Celery event the exporter uses, as they are read, then checked. Short-lived, on the stack: the task
/// uuid and the timestamp stay the message's own UTF-8 bytes (no string made for them), and hostname, name and queue
/// come from the decoder's <see cref="Utf8StringCache"/>.
/// </summary>
internal ref struct CeleryEventFields
{
    public enum Field
    {
        Unknown, Type, Uuid, Hostname, Timestamp, Name, Queue, Runtime, Exception, Freq, Active,
    }

    private bool _hasType, _typeUnknown, _tooDeep;
    private string? _rejection;
    private double? _timestamp;
    private ReadOnlySpan<byte> _uuidUtf8;
    private string? _uuidUnescaped;

    public EventType Type;
    public string? Hostname, Name, Queue, Exception;
    public double? Runtime, Freq;
    public int? Active;

    public readonly double Timestamp => _timestamp!.Value;

    /// <summary>The timestamp as the sender wrote it (ASCII digits): with the uuid, what tells one event from another.</summary>
    public ReadOnlySpan<byte> TimestampText { get; private set; }

    public readonly bool HasUuid => !_uuidUtf8.IsEmpty || !string.IsNullOrEmpty(_uuidUnescaped);

    /// <summary>The task uuid as characters, in <paramref name="buffer"/> when it fits.</summary>
    public readonly ReadOnlySpan<char> Uuid(Span<char> buffer)
    {
        if (_uuidUnescaped is not null) return _uuidUnescaped;
        return _uuidUtf8.Length <= buffer.Length ? buffer[..Encoding.UTF8.GetChars(_uuidUtf8, buffer)] : Encoding.UTF8.GetString(_uuidUtf8);
    }

    public static Field FieldOf(ref Utf8JsonReader reader)
    {
        // Celery never escapes its field names; an escaped name is compared the slow way.
        if (reader.ValueIsEscaped) return SlowFieldOf(ref reader);
        var name = reader.ValueSpan;
        // By length first: most of an event's fields (args, kwargs, root_id, clock, ...) are skipped after one comparison.
        return name.Length switch
        {
            4 => name.SequenceEqual("type"u8) ? Field.Type : name.SequenceEqual("uuid"u8) ? Field.Uuid
                : name.SequenceEqual("name"u8) ? Field.Name : name.SequenceEqual("freq"u8) ? Field.Freq : Field.Unknown,
            5 => name.SequenceEqual("queue"u8) ? Field.Queue : Field.Unknown,
            6 => name.SequenceEqual("active"u8) ? Field.Active : Field.Unknown,
            7 => name.SequenceEqual("runtime"u8) ? Field.Runtime : Field.Unknown,
            8 => name.SequenceEqual("hostname"u8) ? Field.Hostname : Field.Unknown,
            9 => name.SequenceEqual("timestamp"u8) ? Field.Timestamp : name.SequenceEqual("exception"u8) ? Field.Exception : Field.Unknown,
            _ => Field.Unknown,
        };
    }

    private static Field SlowFieldOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("type"u8)) return Field.Type;
        if (reader.ValueTextEquals("uuid"u8)) return Field.Uuid;
        if (reader.ValueTextEquals("hostname"u8)) return Field.Hostname;
        if (reader.ValueTextEquals("timestamp"u8)) return Field.Timestamp;
        if (reader.ValueTextEquals("name"u8)) return Field.Name;
        if (reader.ValueTextEquals("queue"u8)) return Field.Queue;
        if (reader.ValueTextEquals("runtime"u8)) return Field.Runtime;
        if (reader.ValueTextEquals("exception"u8)) return Field.Exception;
        if (reader.ValueTextEquals("freq"u8)) return Field.Freq;
        if (reader.ValueTextEquals("active"u8)) return Field.Active;
        return Field.Unknown;
    }

    public void Reject(string reason) => _rejection ??= reason;

    /// <summary>A value nested deeper than the decoder allows: checked before anything else.</summary>
    public void RejectTooDeep() => _tooDeep = true;

    /// <summary>Reads the field's value; false when its type is wrong. Strings that Celery never escapes are read without unescaping.</summary>
    public bool Set(Field field, ref Utf8JsonReader reader, Utf8StringCache strings)
    {
        switch (field)
        {
            case Field.Type:
                if (reader.TokenType != JsonTokenType.String) return false;
                _hasType = true;
                if (reader.ValueIsEscaped ? !(TryString(ref reader, out var name) && CeleryEventTypes.TryParse(Encoding.UTF8.GetBytes(name!), out Type))
                    : !CeleryEventTypes.TryParse(reader.ValueSpan, out Type))
                {
                    _typeUnknown = true;
                }
                return true;
            case Field.Uuid:
                if (reader.TokenType != JsonTokenType.String) return false;
                if (!reader.ValueIsEscaped)
                {
                    _uuidUtf8 = reader.ValueSpan;
                    _uuidUnescaped = null;
                    return true;
                }
                _uuidUtf8 = default;
                return TryString(ref reader, out _uuidUnescaped);
            case Field.Hostname: return strings.TryRead(ref reader, out Hostname);
            case Field.Name: return strings.TryRead(ref reader, out Name);
            case Field.Queue: return strings.TryRead(ref reader, out Queue);
            case Field.Exception: return TryString(ref reader, out Exception);
            case Field.Timestamp:
                if (!TryNumber(ref reader, out _timestamp)) return false;
                // A number token is never escaped: its bytes are the message's own.
                TimestampText = reader.ValueSpan;
                return true;
            case Field.Runtime: return TryNumber(ref reader, out Runtime);
            case Field.Freq: return TryNumber(ref reader, out Freq);
            case Field.Active:
                // Celery sends a count; a float or a huge number is not one.
                if (reader.TokenType != JsonTokenType.Number) return false;
                Active = reader.TryGetInt32(out var active) ? active : null;
                if (Active is null) Reject(InvalidReasons.InvalidValue);
                return true;
            default:
                return false;
        }
    }

    public readonly string? Validate()
    {
        if (_tooDeep) return InvalidReasons.TooDeep;
        if (_typeUnknown) return InvalidReasons.UnknownType;
        if (_rejection is not null) return _rejection;
        if (!_hasType || string.IsNullOrEmpty(Hostname) || _timestamp is null) return InvalidReasons.MissingField;
        if (Type.IsJobEvent() && !HasUuid) return InvalidReasons.MissingField;
        if (!EventBounds.IsTimestamp(_timestamp.Value) || !EventBounds.IsDuration(Runtime) || !EventBounds.IsInterval(Freq) || !EventBounds.IsCount(Active))
        {
            return InvalidReasons.InvalidValue;
        }
        return null;
    }
}
