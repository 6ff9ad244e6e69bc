using System.Text.Json;

namespace JobExporter.Contracts;

/// <summary>
/// Typed reads of the current JSON token that never throw: a token of the wrong type or out of range gives false,
/// so the caller can count the event as malformed. Shared by our event parser and the exporter's Celery decoder.
/// </summary>
internal static class JsonValues
{
    /// <summary>Neither NaN nor infinite (<c>double.IsFinite</c>, which netstandard2.0 lacks).</summary>
    public static bool IsFinite(double value) => !double.IsNaN(value) && !double.IsInfinity(value);

    /// <summary>
    /// Skips the value the reader is on (an object or array whole, leaving the reader on its end); false when it opens a
    /// container at <paramref name="maxDepth"/> or deeper. The reader itself allows any depth, so that one value nested
    /// too deep rejects only its event and reading goes on after it.
    /// </summary>
    public static bool SkipWithin(ref Utf8JsonReader reader, int maxDepth)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray)) return true;
        var start = reader.CurrentDepth;
        var deepest = start;
        while (reader.Read() && reader.CurrentDepth > start)
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth > deepest) deepest = reader.CurrentDepth;
        }
        return deepest < maxDepth;
    }

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
