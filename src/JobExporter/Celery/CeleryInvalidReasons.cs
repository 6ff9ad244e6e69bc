namespace JobExporter.Celery;

/// <summary>Reasons, besides the shared ones in <see cref="InvalidReasons"/>, a Celery message is rejected.</summary>
internal static class CeleryInvalidReasons
{
    /// <summary>The message was not serialised as JSON (pickle, msgpack, yaml, or no content type at all).</summary>
    public const string UnsupportedContentType = "unsupported_content_type";

    public static IReadOnlyList<string> All { get; } = [UnsupportedContentType];
}
