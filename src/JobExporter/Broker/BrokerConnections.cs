using JobExporter.Configuration;
using RabbitMQ.Client;

namespace JobExporter.Broker;

/// <summary>Opens connections to the broker the same way for every part of the exporter.</summary>
internal static class BrokerConnections
{
    public static Task<IConnection> OpenAsync(ExporterOptions options, string purpose, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = options.BrokerUrl,
            // Recovery is ours: a loop that re-declares everything and reports the state as a metric.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            ClientProvidedName = $"jobexporter-{purpose}",
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            RequestedHeartbeat = TimeSpan.FromSeconds(15),
        };
        return factory.CreateConnectionAsync(cancellationToken);
    }
}
