using RabbitMQ.Client;

namespace JobExporter.Transport.RabbitMq;

/// <summary>
/// One connection and its confirm channel: a batch is one persistent JSON message, and its publish finishes when the
/// broker confirms it (with confirm tracking, RabbitMQ.Client completes the publish at the confirm).
/// </summary>
internal sealed class RabbitMqEventConnection(IConnection connection, IChannel channel, string exchange) : IEventConnection
{
    private static readonly BasicProperties MessageProperties = new()
    {
        Persistent = true,
        ContentType = "application/json",
    };

    public ValueTask PublishAsync(string routingKey, ReadOnlyMemory<byte> body, int events, CancellationToken cancellationToken) =>
        channel.BasicPublishAsync(exchange, routingKey, mandatory: false, MessageProperties, body, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
