namespace JobExporter.Emitter;

/// <summary>
/// An event as the publisher holds it from the hook that made it until the broker confirms it. A job event made by
/// <see cref="EventFactory.PendingJob"/> keeps its fields inline, its id as a number, and a numeric job id as a number
/// too (<see cref="NumericJobIds"/>), so the hooks' hot path allocates nothing per event and the publisher keeps no
/// object per event alive while it waits for the broker, nor the job id when it is a number (the events that outlived
/// a collection made each of Hangfire's collections slower: its pauses grew by a third with the broker up, measured in
/// <c>make bench</c>). Any other event is held by reference.
/// </summary>
public readonly struct PendingEvent
{
    /// <summary>Any event, held by reference.</summary>
    public PendingEvent(JobEvent e)
    {
        Event = e;
        Type = e.Type;
        System = e.System;
        Hostname = e.Hostname;
        Name = e.Name;
        Queue = e.Queue;
        Ts = e.Ts;
        Runtime = e.Runtime;
        Wait = e.Wait;
        Sequence = 0;
        _jobId = e.JobId;
        _jobNumberPlusOne = 0;
        Exception = e.Exception;
    }

    internal PendingEvent(EventType type, long sequence, double ts, string system, string hostname, string name, string queue,
        string? jobId, double? runtime, double? wait, string? exception)
    {
        Event = null;
        Type = type;
        Sequence = sequence;
        Ts = ts;
        System = system;
        Hostname = hostname;
        Name = name;
        Queue = queue;
        Runtime = runtime;
        Wait = wait;
        Exception = exception;
        // A numeric job id is kept as its number (see NumericJobIds), else as the string.
        var numeric = NumericJobIds.TryParse(jobId, out var number);
        _jobId = numeric ? null : jobId;
        _jobNumberPlusOne = numeric ? number + 1 : 0;
    }

    private readonly string? _jobId;
    // 0 when the id is not kept as a number, so that a default event has none.
    private readonly long _jobNumberPlusOne;

    /// <summary>The event itself when it was handed over as one; null for a job event kept inline.</summary>
    internal JobEvent? Event { get; }

    /// <summary>The inline event's id, as <see cref="EventIds"/> numbers them.</summary>
    internal long Sequence { get; }

    public EventType Type { get; }
    public double Ts { get; }
    public string System { get; }
    public string Hostname { get; }
    public string? Name { get; }
    public string? Queue { get; }
    /// <summary>The job's id; a new string at every read when it was kept as a number.</summary>
    public string? JobId => _jobId ?? (HasJobNumber ? NumericJobIds.Format(JobNumber) : null);

    /// <summary>True when the job id is kept as <see cref="JobNumber"/>.</summary>
    internal bool HasJobNumber => _jobNumberPlusOne != 0;

    internal long JobNumber => _jobNumberPlusOne - 1;

    /// <summary>The job id when it is kept as a string.</summary>
    internal string? JobIdString => _jobId;
    public double? Runtime { get; }
    public double? Wait { get; }
    public string? Exception { get; }

    /// <summary>False when a number in it is NaN or infinite: JSON cannot hold it.</summary>
    internal bool NumbersFit => Event is { } e
        ? EventJson.NumbersFit(e)
        : JsonValues.IsFinite(Ts) && (Runtime is not { } runtime || JsonValues.IsFinite(runtime)) && (Wait is not { } wait || JsonValues.IsFinite(wait));

    /// <summary>The event as a <see cref="JobEvent"/>, as the exporter will read it (a new object for an inline one).</summary>
    public JobEvent ToJobEvent() => Event ?? new JobEvent
    {
        Type = Type,
        Id = EventIds.Format(Sequence),
        Ts = Ts,
        System = System,
        Hostname = Hostname,
        Name = Name,
        Queue = Queue,
        JobId = JobId,
        Runtime = Runtime,
        Wait = Wait,
        Exception = Exception,
    };
}
