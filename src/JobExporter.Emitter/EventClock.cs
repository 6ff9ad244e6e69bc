namespace JobExporter.Emitter;

/// <summary>
/// Event timestamps (Unix seconds) from the time provider's monotonic timestamp, anchored to its wall clock once a
/// second. Reading the wall clock for every event was, after the event id, the largest cost of building one
/// (measured with dotnet-trace); the timestamp is cheaper, and re-anchoring every second keeps clock adjustments in.
/// </summary>
internal sealed class EventClock(TimeProvider time)
{
    private static readonly TimeSpan Reanchor = TimeSpan.FromSeconds(1);

    private Anchor _anchor = new(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, time.GetTimestamp());

    public double Now()
    {
        var anchor = Volatile.Read(ref _anchor);
        var elapsed = time.GetElapsedTime(anchor.Timestamp);
        if (elapsed < Reanchor && elapsed >= TimeSpan.Zero) return Math.Round(anchor.UnixSeconds + elapsed.TotalSeconds, 3);
        var fresh = new Anchor(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, time.GetTimestamp());
        Volatile.Write(ref _anchor, fresh);
        return fresh.UnixSeconds;
    }

    private sealed record Anchor(double UnixSeconds, long Timestamp);
}
