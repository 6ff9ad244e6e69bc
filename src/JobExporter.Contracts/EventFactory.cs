namespace JobExporter.Contracts;

/// <summary>
/// Builds well-formed events for one emitter (one system on one host): fills in the version, a fresh id,
/// the timestamp and the emitter's identity, so that emitters only say what happened.
/// </summary>
public sealed class EventFactory(string system, string hostname, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string System { get; } = system;
    public string Hostname { get; } = hostname;

    /// <summary>A job event; the caller sets type-specific fields with a <c>with</c> expression.</summary>
    public JobEvent Job(EventType type, string name, string queue, string? jobId = null) => new()
    {
        Type = type,
        Id = NewId(),
        Ts = Now(),
        System = System,
        Hostname = Hostname,
        Name = name,
        Queue = queue,
        JobId = jobId,
    };

    public JobEvent Worker(EventType type, TimeSpan interval, int? active = null, long? dropped = null, long? publishFailures = null) => new()
    {
        Type = type,
        Id = NewId(),
        Ts = Now(),
        System = System,
        Hostname = Hostname,
        Interval = interval.TotalSeconds,
        Active = active,
        Dropped = dropped,
        PublishFailures = publishFailures,
    };

    /// <summary>Now, as Unix seconds on this host's clock.</summary>
    public double Now() => _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

#if NET9_0_OR_GREATER
    // Version 7: time-ordered, so ids sort by creation (handy when reading a capture).
    private static string NewId() => Guid.CreateVersion7().ToString("N");
#else
    // .NET 8 has no version-7 Guid; the exporter only needs ids to be unique.
    private static string NewId() => Guid.NewGuid().ToString("N");
#endif
}
