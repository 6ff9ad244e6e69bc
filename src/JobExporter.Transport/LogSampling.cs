namespace JobExporter.Transport;

/// <summary>
/// Which occurrences of a repeating failure are logged: the first <see cref="First"/> one by one, then one in
/// <see cref="Every"/> (the caller logs the running count with it), so that a failure that repeats for every job or
/// every event cannot flood the log, yet is never silent.
/// </summary>
internal sealed class LogSampling
{
    public LogSampling(int first, int every)
    {
        if (first < 0) throw new ArgumentOutOfRangeException(nameof(first), first, "must be 0 or more");
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "must be 1 or more");
        First = first;
        Every = every;
    }

    /// <summary>Occurrences logged one by one at the start.</summary>
    public int First { get; }

    /// <summary>After the first ones, one occurrence in this many is logged.</summary>
    public int Every { get; }

    /// <summary>Whether occurrence number <paramref name="count"/> (1 for the first) is logged.</summary>
    public bool ShouldLog(long count) => count >= 1 && (count <= First || count % Every == 0);
}
