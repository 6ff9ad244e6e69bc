namespace JobExporter.Celery;

/// <summary>Reasons, besides the shared ones in <see cref="InvalidReasons"/>, a Celery message is rejected.</summary>
internal static class CeleryInvalidReasons
{
    /// <summary>The message was not serialised as JSON (pickle, msgpack, yaml, or no content type at all).</summary>
    public const string UnsupportedContentType = "unsupported_content_type";

    /// <summary>
    /// Celery on Redis only: a message on Celery's event channels that is not kombu's envelope (not a JSON object, no string
    /// body, a body_encoding other than base64, or a body that is not base64). Shown at 0 only when the Redis source is on.
    /// </summary>
    public const string BadEnvelope = "bad_envelope";

    public static IReadOnlyList<string> All { get; } = [UnsupportedContentType];
}
