using JobExporter.Configuration;
using JobExporter.Contracts;
using RabbitMQ.Client;

namespace JobExporter.Broker;

/// <summary>
/// Opens connections to the broker the same way for every part of the exporter: the URL, then the password from a
/// file or the environment in place of the URL's, then TLS (amqps://) with the configured CAs and client certificate.
/// With several URLs (a cluster's nodes) the connection goes to whichever node answers first of them, tried in random
/// order, so that many exporters spread over the nodes.
/// </summary>
internal static class BrokerConnections
{
    public static Task<IConnection> OpenAsync(ExporterOptions options, string purpose, CancellationToken cancellationToken) =>
        Factory(options, purpose).CreateConnectionAsync(Endpoints(options), cancellationToken);

    /// <summary>Every node of --broker.url, each with TLS settings naming its own host.</summary>
    public static IList<AmqpTcpEndpoint> Endpoints(ExporterOptions options) =>
        BrokerEndpoints.For(options.BrokerUrls, options.BrokerTls.SslOption);

    /// <summary>The factory every connection comes from; separate so that tests can check its settings.</summary>
    public static ConnectionFactory Factory(ExporterOptions options, string purpose)
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
        // After Uri, which sets the URL's user, password and default TLS settings.
        factory.Ssl = options.BrokerTls.SslOption(options.BrokerUrl);
        if (options.BrokerPassword is { } password) factory.Password = password.Reveal();
        return factory;
    }
}
