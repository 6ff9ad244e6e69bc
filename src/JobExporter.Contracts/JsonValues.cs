using System.Text.Json;

namespace JobExporter.Contracts;

/// <summary>
/// Typed reads of the current JSON token that never throw: a token of the wrong type or out of range gives false,
/// so the caller can count the event as malformed. Shared by our event parser and the exporter's Celery decoder.
/// </summary>
internal static class JsonValues
{
    /// <summary>Absent, or a finite number of seconds that is not negative.</summary>
    public static bool IsDuration(double? seconds) => seconds is null || (IsFinite(seconds.Value) && seconds.Value >= 0);

    /// <summary>Neither NaN nor infinite (<c>double.IsFinite</c>, which netstandard2.0 lacks).</summary>
    public static bool IsFinite(double value) => !double.IsNaN(value) && !double.IsInfinity(value);

    public static bool TryString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String) return false;
        try
        {
            value = reader.GetString();
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate (\ud800) is valid JSON syntax but no valid string.
            return false;
        }
        return value is not null;
    }

    public static bool TryNumber(ref Utf8JsonReader reader, out double? value)
    {
        value = reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d) ? d : null;
        return value is not null;
    }

    public static bool TryInt(ref Utf8JsonReader reader, out int? value)
    {
        value = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var i) ? i : null;
        return value is not null;
    }

    public static bool TryLong(ref Utf8JsonReader reader, out long? value)
    {
        value = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var l) ? l : null;
        return value is not null;
    }
}
