using JobExporter.Configuration;
using JobExporter.Transport;
using RabbitMQ.Client;

namespace JobExporter.Broker;

/// <summary>
/// The exporter's settings as the one <see cref="BrokerConnector"/> the emitters use too: every node of --broker.url,
/// the password from a file or the environment, TLS with --broker.ca-file and the client certificate. Every connection
/// of the exporter (the queue consumers, the queue-length collector) comes from here.
/// </summary>
internal static class BrokerConnections
{
    public static BrokerConnector Connector(ExporterOptions options) =>
        new(options.BrokerUrls, options.BrokerPassword?.Reveal(), options.BrokerTls);

    public static Task<IConnection> OpenAsync(ExporterOptions options, string purpose, CancellationToken cancellationToken) =>
        Connector(options).OpenAsync(purpose, cancellationToken);

    /// <summary>Every node of --broker.url, each with TLS settings naming its own host.</summary>
    public static IList<AmqpTcpEndpoint> Endpoints(ExporterOptions options) => Connector(options).Endpoints();

    /// <summary>The factory every connection comes from; separate so that tests can check its settings.</summary>
    public static ConnectionFactory Factory(ExporterOptions options, string purpose) => Connector(options).Factory(purpose);
}
