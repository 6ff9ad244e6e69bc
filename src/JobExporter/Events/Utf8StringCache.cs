using System.Text;

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
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _byChars;

    public Utf8StringCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _byChars = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _strings.Count;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > LongestValue) return Encoding.UTF8.GetString(utf8);
        Span<char> buffer = stackalloc char[LongestValue];
        var chars = buffer[..Encoding.UTF8.GetChars(utf8, buffer)];
        if (_byChars.TryGetValue(chars, out var known)) return known;
        if (_strings.Count >= _capacity) _strings.Clear();
        var value = chars.ToString();
        _strings[value] = value;
        return value;
    }
}
