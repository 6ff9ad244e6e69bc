using JobExporter.Contracts;

namespace JobExporter.Testing;

/// <summary>
/// An <see cref="IEventPublisher"/> that keeps what an emitter's hooks publish, for unit tests without a broker.
/// Its health figures are set by the test, to check that they travel in heartbeats and meters.
/// </summary>
public sealed class RecordingPublisher : IEventPublisher
{
    private readonly List<JobEvent> _events = [];

    /// <summary>When set, every publish throws it, as a broken publisher would.</summary>
    public Exception? Throw { get; set; }

    public long Published { get; set; }
    public long Dropped { get; set; }
    public long PublishFailures { get; set; }
    public int Buffered { get; set; }
    public bool IsConnected { get; set; }

    /// <summary>The per-exporter figures the test sets.</summary>
    internal List<DestinationState> Destinations { get; } = [];

    IReadOnlyList<DestinationState> IEventPublisher.Destinations => Destinations;
    public bool Disposed { get; private set; }

    /// <summary>A copy of what was published so far, in order.</summary>
    public IReadOnlyList<JobEvent> Events
    {
        get
        {
            lock (_events) return _events.ToArray();
        }
    }

    public IEnumerable<JobEvent> Of(EventType type, string? name = null) =>
        Events.Where(e => e.Type == type && (name is null || e.Name == name));

    public int Count(EventType type, string? name = null) => Of(type, name).Count();

    public void TryPublish(JobEvent e)
    {
        if (Throw is { } ex) throw ex;
        lock (_events) _events.Add(e);
    }

    /// <summary>Kept as the <see cref="JobEvent"/> the exporter would read.</summary>
    public void TryPublish(in PendingEvent e) => TryPublish(e.ToJobEvent());

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    /// <summary>One line per event, for failure messages.</summary>
    public string Describe() => string.Join("\n", Events.Select(e => $"{e.Type.ToWireName()} {e.Name} {e.Queue} {e.JobId}"));
}
