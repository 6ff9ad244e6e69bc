namespace JobExporter.Transport;

/// <summary>
/// How long to wait before the next connection attempt: doubling from the first delay up to the longest, each wait
/// drawn at random between half and all of that step ("equal jitter"). Hundreds of workers or sidecars that lost the
/// same broker at the same moment then come back spread over the step instead of all at once, and none waits less
/// than half the step.
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

    /// <summary>The wait before the next attempt; each call doubles the step for the one after.</summary>
    public TimeSpan Next()
    {
        var wait = Jitter(_next, _random);
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, _longest.Ticks));
        return wait;
    }

    /// <summary>After a connection that worked: the next loss starts again from the first step.</summary>
    public void Reset() => _next = _first;

    // In ticks: netstandard2.0 has no TimeSpan * double.
    internal static TimeSpan Jitter(TimeSpan delay, Random random) =>
        TimeSpan.FromTicks(delay.Ticks / 2 + (long)(random.NextDouble() * (delay.Ticks - delay.Ticks / 2)));
}
