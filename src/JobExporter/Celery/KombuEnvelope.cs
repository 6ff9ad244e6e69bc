using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace JobExporter.Celery;

/// <summary>
/// kombu's envelope around a message on its Redis transport (kombu/transport/virtual/base.py: <c>Channel.prepare_message</c>,
/// then <c>_inplace_augment_message</c>; kombu/transport/redis.py <c>_put_fanout</c> publishes it JSON-encoded):
/// <code>{"body": "&lt;base64&gt;", "content-encoding": "utf-8", "content-type": "application/json", "headers": {...},
///  "properties": {"body_encoding": "base64", "delivery_info": {"exchange": ..., "routing_key": ...}, ...}}</code>
/// The body is the serialised event (Celery's JSON), encoded as <c>properties.body_encoding</c> says: base64 (kombu's
/// default), or none, where the body is the text itself (<c>Channel.decode_body</c>). Only the body and content-type
/// matter to the events: they are what the AMQP message of the RabbitMQ source carries, and go to the same decoder.
/// </summary>
internal static class KombuEnvelope
{
    /// <summary>Bounds of the envelope's own JSON (headers and properties are small objects).</summary>
    private const int MaxDepth = 16;

    /// <summary>An envelope read: its decoded body (a rented buffer's first <see cref="Length"/> bytes) and content type.</summary>
    internal readonly struct Message(byte[] buffer, int length, string? contentType)
    {
        public ReadOnlySpan<byte> Body => buffer.AsSpan(0, length);
        public int Length => length;
        public string? ContentType => contentType;

        /// <summary>Gives the body's buffer back; the message is not used after.</summary>
        public void Return() => ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>
    /// Reads one envelope; false with the reason (<see cref="CeleryInvalidReasons.BadEnvelope"/>) when it is not one.
    /// On true the caller returns the message's buffer.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out Message message, out string? reason)
    {
        message = default;
        reason = CeleryInvalidReasons.BadEnvelope;
        // The body as written (a slice of data) when it has no JSON escapes, else unescaped into a rented buffer.
        ReadOnlySpan<byte> written = default;
        byte[]? body = null;
        var bodyLength = 0;
        var seenBody = false;
        string? contentType = null;
        string? encoding = null;
        try
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("body"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || seenBody) return Fail(body);
                    seenBody = true;
                    if (!reader.ValueIsEscaped)
                    {
                        written = reader.ValueSpan;
                        continue;
                    }
                    body = ArrayPool<byte>.Shared.Rent(Math.Max(reader.ValueSpan.Length, 1));
                    bodyLength = reader.CopyString(body);
                }
                else if (reader.ValueTextEquals("content-type"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String) contentType = reader.ValueTextEquals(Json) ? JsonContentType : reader.GetString();
                    else if (reader.TokenType != JsonTokenType.Null) return Fail(body);
                }
                else if (reader.ValueTextEquals("properties"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject) return Fail(body);
                    if (!ReadBodyEncoding(ref reader, out encoding)) return Fail(body);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || !seenBody) return Fail(body);
            if (encoding is "base64")
            {
                if (body is null)
                {
                    // Decoded straight out of the envelope: one pass over the body.
                    body = ArrayPool<byte>.Shared.Rent(Math.Max(Base64.GetMaxDecodedFromUtf8Length(written.Length), 1));
                    if (Base64.DecodeFromUtf8(written, body, out _, out bodyLength) != OperationStatus.Done) return Fail(body);
                }
                // In place: base64 is never shorter than what it encodes.
                else if (Base64.DecodeFromUtf8InPlace(body.AsSpan(0, bodyLength), out bodyLength) != OperationStatus.Done) return Fail(body);
            }
            else if (encoding is not null)
            {
                return Fail(body);
            }
            else if (body is null)
            {
                body = ArrayPool<byte>.Shared.Rent(Math.Max(written.Length, 1));
                written.CopyTo(body);
                bodyLength = written.Length;
            }
            message = new Message(body, bodyLength, contentType);
            reason = null;
            return true;
        }
        catch (JsonException)
        {
            return Fail(body);
        }
    }

    // Celery's JSON serializer's content type, kept as one string rather than one a message.
    private static ReadOnlySpan<byte> Json => "application/json"u8;
    private const string JsonContentType = "application/json";

    /// <summary>Reads <c>properties</c>, keeping <c>body_encoding</c> (a string, or null for none).</summary>
    private static bool ReadBodyEncoding(ref Utf8JsonReader reader, out string? encoding)
    {
        encoding = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isEncoding = reader.ValueTextEquals("body_encoding"u8);
            reader.Read();
            if (!isEncoding)
            {
                reader.Skip();
                continue;
            }
            if (reader.TokenType == JsonTokenType.String) encoding = reader.ValueTextEquals("base64"u8) ? "base64" : reader.GetString();
            else if (reader.TokenType != JsonTokenType.Null) return false;
        }
        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool Fail(byte[]? body)
    {
        if (body is not null) ArrayPool<byte>.Shared.Return(body);
        return false;
    }
}
