namespace JobExporter.Contracts;

/// <summary>
/// The publisher's waits between reconnection attempts: doubling from the first delay up to the longest, each drawn
/// at random between half and all of it ("equal jitter"), so that hundreds of workers that lost the same broker at
/// the same moment do not all come back at the same moment.
/// </summary>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _first;
    private readonly TimeSpan _longest;
    private readonly Random _random;
    private TimeSpan _next;

    public ReconnectBackoff(TimeSpan first, TimeSpan longest, Random random)
    {
        _first = _next = first;
        _longest = longest;
        _random = random;
    }

    /// <summary>The wait before the next attempt; each call doubles the base for the one after.</summary>
    public TimeSpan Next()
    {
        var wait = Jitter(_next, _random);
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, _longest.Ticks));
        return wait;
    }

    /// <summary>After a success: start again from the first delay.</summary>
    public void Reset() => _next = _first;

    internal static TimeSpan Jitter(TimeSpan delay, Random random) =>
        TimeSpan.FromTicks(delay.Ticks / 2 + (long)(random.NextDouble() * (delay.Ticks - delay.Ticks / 2)));
}
