using RabbitMQ.Client;

namespace JobExporter.IntegrationTests;

/// <summary>Publishes arbitrary bytes to an events exchange, as a broken or hostile emitter would.</summary>
internal sealed class RawPublisher : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _exchange;

    private RawPublisher(IConnection connection, IChannel channel, string exchange)
    {
        _connection = connection;
        _channel = channel;
        _exchange = exchange;
    }

    public static async Task<RawPublisher> OpenAsync(Uri broker, string exchange)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true);
        return new RawPublisher(connection, channel, exchange);
    }

    public async Task PublishAsync(byte[] body, string routingKey = "test.raw.host")
    {
        await _channel.BasicPublishAsync(_exchange, routingKey, mandatory: false, new BasicProperties { Persistent = true }, body);
    }

    /// <summary>Publishes many bodies with up to a few hundred confirms in flight at once: fast pre-filling.</summary>
    public async Task PublishManyAsync(IEnumerable<byte[]> bodies, string routingKey = "test.raw.host")
    {
        foreach (var chunk in bodies.Chunk(256))
        {
            await Task.WhenAll(chunk.Select(body => PublishAsync(body, routingKey)));
        }
    }

    public Task PublishAsync(string body, string routingKey = "test.raw.host") => PublishAsync(System.Text.Encoding.UTF8.GetBytes(body), routingKey);

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
