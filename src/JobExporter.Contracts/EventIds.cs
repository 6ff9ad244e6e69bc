namespace JobExporter.Contracts;

/// <summary>
/// Event ids: 32 hex characters, a random half drawn once per process and a counter. Unique without asking the OS for
/// randomness for every event (a new Guid per event was the largest single cost of building one, measured with
/// dotnet-trace); 64 random bits make two processes sharing a prefix a negligible chance.
/// </summary>
internal static class EventIds
{
    private static readonly string Prefix = NewPrefix();
    private static long _counter;

#if NETSTANDARD2_0
    public static string Next() => Prefix + Interlocked.Increment(ref _counter).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
#else
    public static string Next() =>
        string.Create(32, Interlocked.Increment(ref _counter), static (chars, n) =>
        {
            Prefix.AsSpan().CopyTo(chars);
            n.TryFormat(chars[16..], out _, "x16");
        });
#endif

#if NET9_0_OR_GREATER
    // Version 7 starts with the time: ids of a later process sort after an earlier one's.
    private static string NewPrefix() => Guid.CreateVersion7().ToString("N")[..16];
#else
    private static string NewPrefix() => Guid.NewGuid().ToString("N")[..16];
#endif
}
