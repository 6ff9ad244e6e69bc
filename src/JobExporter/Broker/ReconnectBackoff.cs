namespace JobExporter.Broker;

/// <summary>
/// How long to wait before the next connection attempt: doubling from <c>first</c> up to <c>longest</c>, each wait
/// drawn at random between half and all of that step ("equal jitter"). Hundreds of sidecars that lost the same broker
/// then come back spread over the step instead of all at once, and none waits less than half the step.
/// </summary>
internal sealed class ReconnectBackoff(TimeSpan first, TimeSpan longest, Random random)
{
    private TimeSpan _step = first;
    private readonly TimeSpan _first = first;

    /// <summary>The wait before the next attempt; the step doubles for the one after.</summary>
    public TimeSpan Next()
    {
        var wait = _step * (0.5 + 0.5 * random.NextDouble());
        _step = TimeSpan.FromTicks(Math.Min(_step.Ticks * 2, longest.Ticks));
        return wait;
    }

    /// <summary>After a connection that worked: the next loss starts again from the first step.</summary>
    public void Reset() => _step = _first;
}
