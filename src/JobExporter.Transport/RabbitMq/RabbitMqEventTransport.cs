using RabbitMQ.Client;

namespace JobExporter.Transport.RabbitMq;

/// <summary>
/// Events to a RabbitMQ topic exchange: each connection is a connection of <see cref="BrokerConnector"/>, one channel
/// with publisher confirms, and the exchange declared (durable, so that it outlives the exporter's queues).
/// </summary>
internal sealed class RabbitMqEventTransport(BrokerConnector connector, string exchange, string purpose = "emitter") : IEventTransport
{
    public string Destination => connector.Redacted;

    public IReadOnlyList<Http.ExporterDestination> Exporters => [];

    public async Task<IEventConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await connector.OpenAsync(purpose, cancellationToken).ConfigureAwait(false);
        IChannel? channel = null;
        try
        {
            channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken).ConfigureAwait(false);
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return new RabbitMqEventConnection(connection, channel, exchange);
        }
        catch
        {
            if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
