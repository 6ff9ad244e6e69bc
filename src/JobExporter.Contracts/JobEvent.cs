namespace JobExporter.Contracts;

/// <summary>
/// One job or worker event, as emitters publish it and the exporter applies it.
/// Field names on the wire are snake_case; see the event table in docs/event-format.md.
/// </summary>
public sealed record JobEvent
{
    /// <summary>The only contract version this library reads and writes.</summary>
    public const int CurrentVersion = 1;

    public int V { get; init; } = CurrentVersion;
    public required EventType Type { get; init; }
    /// <summary>Unique per event; the exporter counts an id once (de-duplication).</summary>
    public required string Id { get; init; }
    /// <summary>Unix seconds (UTC) on the sender's clock.</summary>
    public required double Ts { get; init; }
    public required string System { get; init; }
    public required string Hostname { get; init; }
    public string? Name { get; init; }
    public string? Queue { get; init; }
    public string? JobId { get; init; }
    /// <summary>Seconds the job ran (job-succeeded, job-failed).</summary>
    public double? Runtime { get; init; }
    /// <summary>Seconds from enqueue to start (job-started, optional).</summary>
    public double? Wait { get; init; }
    /// <summary>The exception's type name (job-failed, job-retried).</summary>
    public string? Exception { get; init; }
    /// <summary>Jobs running now on the worker (worker-heartbeat).</summary>
    public int? Active { get; init; }
    /// <summary>Seconds between heartbeats (worker-online, worker-heartbeat).</summary>
    public double? Interval { get; init; }
    /// <summary>Events the emitter dropped since it started (worker-heartbeat, optional).</summary>
    public long? Dropped { get; init; }
    /// <summary>Attempts to reach the broker or publish a batch that failed since the emitter started (worker-heartbeat, optional).</summary>
    public long? PublishFailures { get; init; }
    /// <summary>Reads of the job storage's backlog that failed or timed out since the emitter started (worker-heartbeat, optional).</summary>
    public long? BacklogFailures { get; init; }
    /// <summary>The storage's backlog (storage-backlog).</summary>
    public BacklogSnapshot? Backlog { get; init; }
}
