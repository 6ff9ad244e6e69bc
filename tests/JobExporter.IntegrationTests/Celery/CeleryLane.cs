using RabbitMQ.Client;

namespace JobExporter.IntegrationTests.Celery;

/// <summary>
/// A test's own Celery event exchange and exporter queue on the shared broker, and a publisher of raw messages in
/// Celery's wire form (JSON bodies, content_type application/json, routing keys task.sent, task.multi, ...).
/// </summary>
internal sealed class CeleryLane : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private CeleryLane(string exchange, string queue, IConnection connection, IChannel channel)
    {
        Exchange = exchange;
        Queue = queue;
        _connection = connection;
        _channel = channel;
    }

    public string Exchange { get; }
    public string Queue { get; }

    /// <summary>The exporter's flags for this lane, with its own (unused) events exchange for the emitters' side.</summary>
    public string[] ExporterArgs => ["--celery.enabled", "--celery.exchange", Exchange, "--celery.queue", Queue, .. EventLane.New().ExporterArgs];

    public static async Task<CeleryLane> OpenAsync(Uri broker, string? exchange = null)
    {
        var id = Guid.NewGuid().ToString("N");
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        exchange ??= $"celeryev.{id}";
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true);
        return new CeleryLane(exchange, $"jobexporter.celery.{id}", connection, channel);
    }

    /// <summary>
    /// Declares the exporter's queue as the exporter will (default x-max-length and x-expires) and binds it, so that messages wait for it.
    /// Another <paramref name="maxLength"/> makes a queue the exporter's own declaration conflicts with.
    /// </summary>
    public async Task DeclareExporterQueueAsync(long maxLength = 1_000_000L)
    {
        var arguments = new Dictionary<string, object?> { ["x-max-length"] = maxLength, ["x-expires"] = (long)TimeSpan.FromDays(1).TotalMilliseconds };
        await _channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false, arguments);
        foreach (var key in new[] { "task.#", "worker.#" }) await _channel.QueueBindAsync(Queue, Exchange, key);
    }

    public async Task DeleteExporterQueueAsync() => await _channel.QueueDeleteAsync(Queue);

    public async Task PublishAsync(string routingKey, byte[] body, string? contentType = "application/json") =>
        await _channel.BasicPublishAsync(Exchange, routingKey, mandatory: false, new BasicProperties { ContentType = contentType, DeliveryMode = DeliveryModes.Transient }, body);

    /// <summary>Publishes many messages with a few hundred confirms in flight at once: fast pre-filling.</summary>
    public async Task PublishManyAsync(IEnumerable<(string RoutingKey, byte[] Body)> messages)
    {
        foreach (var chunk in messages.Chunk(256))
        {
            await Task.WhenAll(chunk.Select(m => PublishAsync(m.RoutingKey, m.Body)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
