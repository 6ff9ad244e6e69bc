using System.Text.Json;
using System.Text.Unicode;
using JobExporter.Contracts;

namespace JobExporter.Events;

/// <summary>Reads one event object of a message format; see <see cref="EventMessage"/>.</summary>
internal interface IEventObjectReader
{
    /// <summary>
    /// Reads the object the reader is on, leaving the reader on its end, and hands the sink one event or one rejection.
    /// May throw <see cref="JsonException"/> on broken JSON (the whole message is then rejected).
    /// </summary>
    void ReadEvent(ref Utf8JsonReader reader, IEventSink sink);
}

/// <summary>
/// The envelope every event message has, whatever its event format (ours, Celery's): at most
/// <see cref="EventParserLimits.MaxMessageBytes"/>, valid UTF-8, one JSON object or a list of at most
/// <see cref="EventParserLimits.MaxBatchEvents"/> of them, and nothing after it. Each object goes to the format's
/// <see cref="IEventObjectReader"/>; a bad message or element is one rejection, and the good events of a list around
/// a bad one still count. An element nested deeper than the format allows is rejected alone (<c>too_deep</c>): the JSON
/// reader itself allows any depth and the format's readers check it. Only broken JSON, which no reader can read past,
/// rejects the rest of a message. Never throws on bad input.
/// </summary>
internal static class EventMessage
{
    /// <summary>Reads one message with each event format's reader; nesting deeper than <c>maxDepth</c> is rejected as too deep.</summary>
    public static void Read<TReader>(ReadOnlySpan<byte> body, EventParserLimits limits, int maxDepth, TReader events, IEventSink sink)
        where TReader : IEventObjectReader
    {
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

        // No nesting can be deeper than the body is long; the reader keeps one bit a level.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = Math.Max(maxDepth, body.Length) });
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
                    ReadEvent(ref reader, events, sink);
                    break;
                case JsonTokenType.StartArray:
                    ReadList(ref reader, limits, maxDepth, events, sink);
                    break;
                default:
                    sink.OnInvalid(InvalidReasons.NotAnObject);
                    return;
            }
            // Trailing content after the first value makes the message malformed.
            if (reader.Read())
            {
                sink.OnInvalid(InvalidReasons.NotJson);
            }
        }
        catch (JsonException)
        {
            sink.OnInvalid(reader.CurrentDepth >= maxDepth - 1 ? InvalidReasons.TooDeep : InvalidReasons.NotJson);
        }
    }

    private static void ReadList<TReader>(ref Utf8JsonReader reader, EventParserLimits limits, int maxDepth, TReader events, IEventSink sink)
        where TReader : IEventObjectReader
    {
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (++count > limits.MaxBatchEvents)
            {
                // The rest of the list is one rejection, not thousands.
                sink.OnInvalid(InvalidReasons.BatchTooLarge);
                reader.Skip();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    reader.Skip();
                }
                return;
            }
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                ReadEvent(ref reader, events, sink);
            }
            else
            {
                sink.OnInvalid(JsonValues.SkipWithin(ref reader, maxDepth) ? InvalidReasons.NotAnObject : InvalidReasons.TooDeep);
            }
        }
    }

    /// <summary>
    /// Reads one event object. An exception other than broken JSON (a bug in reading or applying that one event) is
    /// counted as <c>internal_error</c>, and reading goes on after the event's end: the reader is still good, and the
    /// events after it must not pay for it. Costs nothing until something throws.
    /// </summary>
    private static void ReadEvent<TReader>(ref Utf8JsonReader reader, TReader events, IEventSink sink)
        where TReader : IEventObjectReader
    {
        var depth = reader.CurrentDepth;
        try
        {
            events.ReadEvent(ref reader, sink);
        }
        catch (Exception ex) when (ex is not JsonException)
        {
            sink.OnInvalid(InvalidReasons.InternalError);
            while (!(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth) && reader.Read())
            {
            }
        }
    }
}
