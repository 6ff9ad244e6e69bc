namespace JobExporter.Emitter;

/// <summary>
/// Where an emitter's hooks put events. <see cref="EventPublisher"/> sends them to the broker; tests pass a
/// recording one, so that what a hook publishes is checked without a broker.
/// </summary>
internal interface IEventPublisher : IAsyncDisposable
{
    /// <summary>Queues an event for sending. Never blocks, never throws.</summary>
    void TryPublish(JobEvent e);

    /// <summary>
    /// Queues an event for sending, as the hooks do: a job event from <see cref="EventFactory.PendingJob"/> costs no
    /// allocation. Never blocks, never throws.
    /// </summary>
    void TryPublish(in PendingEvent e);

    /// <summary>Events the broker has confirmed.</summary>
    long Published { get; }

    /// <summary>Events dropped since start because the buffer was full (or the publisher was closed).</summary>
    long Dropped { get; }

    /// <summary>Attempts to connect or to publish a batch that failed since start (each is retried).</summary>
    long PublishFailures { get; }

    /// <summary>Events waiting in the buffer now.</summary>
    int Buffered { get; }

    /// <summary>True while a channel to the broker is open; with ExporterUrl(s), while every exporter acknowledged its last post.</summary>
    bool IsConnected { get; }

    /// <summary>Each exporter of ExporterUrl(s), with what it has not acknowledged; empty with a broker.</summary>
    IReadOnlyList<DestinationState> Destinations { get; }
}
