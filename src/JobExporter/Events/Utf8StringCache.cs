using System.Text;
using System.Text.Json;
using JobExporter.Contracts;

namespace JobExporter.Events;

/// <summary>
/// One string per distinct short UTF-8 value: hostnames, job and task names and queues repeat on nearly every event, so
/// a value seen before costs a lookup, not a new string for the collector to free. Bounded: when full it starts afresh,
/// so a flood of distinct values costs about what allocating each would. Values must be valid UTF-8 (the message was
/// checked whole). Not thread-safe: one decoder, or one thread, owns it.
/// </summary>
internal sealed class Utf8StringCache
{
    /// <summary>Longest value kept, in bytes; a longer one is a new string every time.</summary>
    public const int LongestValue = 128;

    private readonly int _capacity;
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
#if NET9_0_OR_GREATER
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _byChars;
#endif

    public Utf8StringCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
#if NET9_0_OR_GREATER
        _byChars = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
#endif
    }

    public int Count => _strings.Count;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > LongestValue) return Encoding.UTF8.GetString(utf8);
        Span<char> buffer = stackalloc char[LongestValue];
        var chars = buffer[..Encoding.UTF8.GetChars(utf8, buffer)];
#if NET9_0_OR_GREATER
        if (_byChars.TryGetValue(chars, out var known)) return known;
        var value = chars.ToString();
#else
        // net8.0 has no lookup by span: the test library's net8.0 copy of the reader (tests/JobExporter.Testing) makes
        // the string first. The exporter is net10.0 only.
        var value = chars.ToString();
        if (_strings.TryGetValue(value, out var known)) return known;
#endif
        if (_strings.Count >= _capacity) _strings.Clear();
        _strings[value] = value;
        return value;
    }

    /// <summary>
    /// Reads the JSON string the reader is on: an unescaped value from the cache, an escaped one (rare) unescaped as any
    /// string. False when the token is not a string, or is no valid string (see <see cref="JsonValues.TryString"/>).
    /// </summary>
    public bool TryRead(ref Utf8JsonReader reader, out string? value)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped) return JsonValues.TryString(ref reader, out value);
        value = Get(reader.ValueSpan);
        return true;
    }
}
