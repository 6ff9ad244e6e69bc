namespace JobExporter.Contracts;

/// <summary>
/// Event ids: 32 hex characters, a random half drawn once per process and a counter. Unique without asking the OS for
/// randomness for every event (a new Guid per event was the largest single cost of building one, measured with
/// dotnet-trace); 64 random bits make two processes sharing a prefix a negligible chance. An inline
/// <c>PendingEvent</c> (the emitter's) keeps only the counter, and its id is written straight into the message.
/// </summary>
internal static class EventIds
{
    public const int Length = 32;

    private static readonly string Prefix = NewPrefix();
    private static readonly byte[] PrefixUtf8 = Prefix.Select(c => (byte)c).ToArray();
    private static long _counter;

    public static long NextNumber() => Interlocked.Increment(ref _counter);

    public static string Next() => Format(NextNumber());

#if NETSTANDARD2_0
    public static string Format(long number) => Prefix + number.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
#else
    public static string Format(long number) =>
        string.Create(Length, number, static (chars, n) =>
        {
            Prefix.AsSpan().CopyTo(chars);
            n.TryFormat(chars[16..], out _, "x16");
        });
#endif

    /// <summary>Writes the id of <paramref name="number"/> as 32 ASCII bytes at <paramref name="at"/>.</summary>
    public static void WriteUtf8(Span<byte> span, ref int at, long number)
    {
        PrefixUtf8.AsSpan().CopyTo(span.Slice(at));
        var digits = span.Slice(at + 16, 16);
        for (var i = 15; i >= 0; i--)
        {
            var nibble = (int)(number & 0xF);
            digits[i] = (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            number >>= 4;
        }
        at += Length;
    }

#if NET9_0_OR_GREATER
    // Version 7 starts with the time: ids of a later process sort after an earlier one's.
    private static string NewPrefix() => Guid.CreateVersion7().ToString("N")[..16];
#else
    private static string NewPrefix() => Guid.NewGuid().ToString("N").Substring(0, 16);
#endif
}
