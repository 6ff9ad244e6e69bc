using System.Text.Json;
using MassTransit;

namespace JobExporter.MassTransit;

/// <summary>
/// Reads the first message type (<c>urn:message:Shop:PlaceOrder</c>) from a MassTransit JSON envelope. Only
/// used for messages no consumer took, which are rare, so the body is read only then; a body that is not an
/// envelope (raw JSON, another serializer, too large) gives null.
/// </summary>
internal static class EnvelopeMessageType
{
    private const int MaxBodyBytes = 1 << 20;

    public static string? Of(ReceiveContext context)
    {
        try
        {
            if (context.Body.Length is > MaxBodyBytes) return null;
            var reader = new Utf8JsonReader(context.Body.GetBytes());
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMessageType = reader.ValueTextEquals("messageType"u8);
                if (!reader.Read()) return null;
                if (!isMessageType)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartArray || !reader.Read() || reader.TokenType != JsonTokenType.String) return null;
                return reader.GetString();
            }
            return null;
        }
        catch (Exception)
        {
            return null;
        }
    }
}
