namespace JobExporter.Transport;

/// <summary>
/// Where an emitter's events go: the seam between the publisher (its buffer, batching, confirms bookkeeping and
/// retries, and the heartbeat) and a wire. RabbitMQ is one (<see cref="RabbitMq.RabbitMqEventTransport"/>); another
/// (HTTP) plugs in beside it. The publisher opens a connection, publishes batches through it until it fails, closes
/// it, and opens another after a backoff.
/// </summary>
internal interface IEventTransport
{
    /// <summary>Where the events go, for a log line: never a password.</summary>
    string Destination { get; }

    /// <summary>
    /// The exporters the events are posted to directly, each with what it has not acknowledged (HTTP); empty when they go
    /// through a broker, which holds them for every exporter alike.
    /// </summary>
    IReadOnlyList<Http.ExporterDestination> Exporters { get; }

    /// <summary>Opens a connection ready to publish (for RabbitMQ: a connection, a channel with confirms, the exchange declared); throws when it cannot.</summary>
    Task<IEventConnection> OpenAsync(CancellationToken cancellationToken);
}

/// <summary>One open connection of an <see cref="IEventTransport"/>; disposing it closes it.</summary>
internal interface IEventConnection : IAsyncDisposable
{
    /// <summary>
    /// Sends one batch of <paramref name="events"/> events (a message body: the JSON array the wire contract defines) under
    /// <paramref name="routingKey"/>. Puts it on its way at once and finishes when the receiver has confirmed it
    /// (kept it), or fails when it refused it, the connection failed, or <paramref name="cancellationToken"/> fired.
    /// <paramref name="body"/> must stay untouched until then. Several batches may be in flight at once.
    /// </summary>
    ValueTask PublishAsync(string routingKey, ReadOnlyMemory<byte> body, int events, CancellationToken cancellationToken);
}
