namespace JobExporter.Contracts;

/// <summary>
/// The range of every number an event carries, checked once when a message is read (ours and Celery's): a value
/// outside it rejects its event as <c>invalid_value</c>, so that everything downstream (timeouts, sums, gauges) can
/// trust what it is given. docs/event-format.md lists the same bounds.
/// </summary>
internal static class EventBounds
{
    /// <summary>Earliest timestamp: the Unix epoch (a worker whose clock was reset still counts its jobs).</summary>
    public const double MinTimestamp = 0;

    /// <summary>Latest timestamp: 2100-01-01T00:00:00Z. Milliseconds or microseconds sent as seconds are past it.</summary>
    public const double MaxTimestamp = 4_102_444_800;

    /// <summary>Longest runtime, wait or queue age, in seconds: 365 days.</summary>
    public const double MaxDurationSeconds = 365 * 86_400;

    /// <summary>Longest heartbeat or backlog interval, in seconds: one day (a worker's timeout is three of them).</summary>
    public const double MaxIntervalSeconds = 86_400;

    /// <summary>Largest count (active, dropped, failures, queue lengths, jobs, servers): 2^53, the largest whole number a sample holds exactly.</summary>
    public const long MaxCount = 1L << 53;

    /// <summary>Unix seconds within [<see cref="MinTimestamp"/>, <see cref="MaxTimestamp"/>] (never NaN).</summary>
    public static bool IsTimestamp(double seconds) => seconds is >= MinTimestamp and <= MaxTimestamp;

    /// <summary>Absent, or seconds within [0, <see cref="MaxDurationSeconds"/>].</summary>
    public static bool IsDuration(double? seconds) => seconds is null or (>= 0 and <= MaxDurationSeconds);

    /// <summary>Absent, or seconds within [0, <see cref="MaxIntervalSeconds"/>]; 0 means "not said".</summary>
    public static bool IsInterval(double? seconds) => seconds is null or (>= 0 and <= MaxIntervalSeconds);

    /// <summary>Absent, or a whole number within [0, <see cref="MaxCount"/>].</summary>
    public static bool IsCount(long? count) => count is null or (>= 0 and <= MaxCount);
}
