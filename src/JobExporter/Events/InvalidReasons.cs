namespace JobExporter.Events;

/// <summary>Why a message or an event was rejected; the values of the exporter's <c>reason</c> label.</summary>
internal static class InvalidReasons
{
    public const string TooLarge = "too_large";
    public const string InvalidUtf8 = "invalid_utf8";
    public const string NotJson = "not_json";
    public const string TooDeep = "too_deep";
    public const string NotAnObject = "not_an_object";
    public const string BatchTooLarge = "batch_too_large";
    public const string UnknownVersion = "unknown_version";
    public const string UnknownType = "unknown_type";
    public const string MissingField = "missing_field";
    public const string WrongType = "wrong_type";
    public const string InvalidValue = "invalid_value";

    /// <summary>Reading or applying one event failed on a bug in the exporter (logged where it is applied); the events around it still count.</summary>
    public const string InternalError = "internal_error";

    /// <summary>Every reason, so that the exporter can show each at 0 from the start.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        TooLarge, InvalidUtf8, NotJson, TooDeep, NotAnObject, BatchTooLarge,
        UnknownVersion, UnknownType, MissingField, WrongType, InvalidValue, InternalError,
    ];
}
