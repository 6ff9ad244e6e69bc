namespace JobExporter.Emitter;

/// <summary>
/// Builds well-formed events for one emitter (one system on one host): fills in the version, a fresh id,
/// the timestamp and the emitter's identity, so that emitters only say what happened.
/// </summary>
internal sealed class EventFactory(string system, string hostname, TimeProvider? time = null)
{
    private readonly EventClock _clock = new(time ?? TimeProvider.System);

    public string System { get; } = system;
    public string Hostname { get; } = hostname;

    /// <summary>A job event, with its type-specific fields given here (one allocation, no <c>with</c> copy).</summary>
    public JobEvent Job(EventType type, string name, string queue, string? jobId = null, double? runtime = null, double? wait = null,
        string? exception = null) => new()
    {
        Type = type,
        Id = NewId(),
        Ts = Now(),
        System = System,
        Hostname = Hostname,
        Name = name,
        Queue = queue,
        JobId = jobId,
        Runtime = runtime,
        Wait = wait,
        Exception = exception,
    };

    /// <summary>
    /// The same job event for the publisher's hot path (<see cref="IEventPublisher.TryPublish(in PendingEvent)"/>): its
    /// fields inline and its id a number, nothing allocated.
    /// </summary>
    public PendingEvent PendingJob(EventType type, string name, string queue, string? jobId = null, double? runtime = null, double? wait = null,
        string? exception = null) =>
        new(type, EventIds.NextNumber(), Now(), System, Hostname, name, queue, jobId, runtime, wait, exception);

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

    /// <summary>A storage-backlog event: what this worker read of its storage, and how often it reads.</summary>
    public JobEvent Backlog(BacklogSnapshot backlog, TimeSpan interval) => new()
    {
        Type = EventType.StorageBacklog,
        Id = NewId(),
        Ts = Now(),
        System = System,
        Hostname = Hostname,
        Interval = interval.TotalSeconds,
        Backlog = backlog,
    };

    /// <summary>Now, as Unix seconds on this host's clock.</summary>
    public double Now() => _clock.Now();

    private static string NewId() => EventIds.Next();
}
