using System.Numerics;
using System.Text;
using System.Text.Json;
using JobExporter.Contracts;

namespace JobExporter.Events;

/// <summary>
/// One string per distinct short UTF-8 value: hostnames, job and task names and queues repeat on nearly every event, so
/// a value seen before costs a lookup, not a new string for the collector to free. Bounded: when full it starts afresh,
/// so a flood of distinct values costs about what allocating each would. Values must be valid UTF-8 (the message was
/// checked whole). Not thread-safe: one decoder, or one thread, owns it.
/// <para>
/// Looked up by the UTF-8 bytes themselves, in an open-addressed table at most half full: a known value costs a hash of
/// its bytes and one compare. A dictionary of strings had to decode the bytes to characters first, and its comparer
/// was an interface call that the NativeAOT build cannot inline; it was a twelfth of the exporter's CPU on batched ingest.
/// Values whose hashes collide cost a longer probe, never a wrong string: the bytes are compared.
/// </para>
/// </summary>
internal sealed class Utf8StringCache
{
    /// <summary>Longest value kept, in bytes; a longer one is a new string every time.</summary>
    public const int LongestValue = 128;

    private readonly int _capacity;
    private readonly Entry[] _slots;
    // Read once: NativeAOT checks a static's initialiser on each read of it, and this is read for every value parsed.
    private readonly ulong _seed = ByteHash.ProcessSeed;

    public Utf8StringCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 20);
        _capacity = capacity;
        _slots = new Entry[BitOperations.RoundUpToPowerOf2((uint)capacity * 2)];
    }

    public int Count { get; private set; }

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > LongestValue) return Encoding.UTF8.GetString(utf8);
        var hash = HashOf(utf8);
        var mask = _slots.Length - 1;
        var slot = hash & mask;
        while (_slots[slot].Value is { } value)
        {
            if (_slots[slot].Hash == hash && utf8.SequenceEqual(_slots[slot].Utf8)) return value;
            slot = (slot + 1) & mask;
        }
        var added = Encoding.UTF8.GetString(utf8);
        if (Count >= _capacity)
        {
            Array.Clear(_slots);
            Count = 0;
            slot = hash & mask;
        }
        _slots[slot] = new Entry(hash, utf8.ToArray(), added);
        Count++;
        return added;
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

    // Non-negative, so that it masks to a slot as it is.
    private int HashOf(ReadOnlySpan<byte> utf8) => (int)(ByteHash.Of(utf8, _seed) >> 33);

    private readonly record struct Entry(int Hash, byte[] Utf8, string? Value);
}
