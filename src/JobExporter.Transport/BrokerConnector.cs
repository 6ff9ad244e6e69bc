using RabbitMQ.Client;

namespace JobExporter.Transport;

/// <summary>
/// The one way the emitters and the exporter open a connection to RabbitMQ: the cluster's nodes (the first URL's user,
/// password and virtual host, a password from a file or the environment in place of the URL's), TLS for amqps://
/// checked against each node's own host name, and the same timeout and heartbeat everywhere. With several URLs the
/// connection goes to whichever node answers first, tried in random order, so that many clients spread over the nodes.
/// Recovery is the caller's: a loop with <see cref="ReconnectBackoff"/>, which re-declares what it needs.
/// </summary>
internal sealed class BrokerConnector
{
    /// <summary>
    /// How long one node may take to accept the TCP connection. A node that is gone from the network (packets dropped,
    /// not refused) costs this long before the next node is tried; a node that is up but busy, as after a failover when
    /// every worker and sidecar reconnects at once, may need seconds. 10 s rather than the emitters' former 5 s: cutting
    /// a slow but working connection short only makes another attempt in the storm, while the emitters buffer their
    /// events and the exporter's scrapes never wait on the broker meanwhile.
    /// </summary>
    public static readonly TimeSpan ConnectionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The AMQP heartbeat asked for (the broker takes the lower of its own, 60 s by default, and this). A connection
    /// whose peer vanished without closing it (a node powered off, a NAT or load balancer that dropped an idle flow) is
    /// found dead after two missed heartbeats, about 30 s, instead of about 2 minutes at the client's default of 60 s;
    /// the cost is one 8-byte frame each way every 7.5 s per connection.
    /// </summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private readonly string? _password;

    /// <param name="urls">The nodes of one cluster, in order (checked by <see cref="BrokerEndpoints.Mismatch"/>); the first gives user and virtual host.</param>
    /// <param name="password">Replaces the URL's password when set.</param>
    /// <param name="tls">CAs and client certificate for amqps://.</param>
    public BrokerConnector(IReadOnlyList<Uri> urls, string? password, BrokerTls tls)
    {
        if (urls.Count == 0) throw new ArgumentException("at least one broker URL is needed", nameof(urls));
        Urls = urls;
        _password = password;
        Tls = tls;
    }

    public IReadOnlyList<Uri> Urls { get; }

    public BrokerTls Tls { get; }

    /// <summary>The URLs for a log line, passwords replaced by <c>***</c>.</summary>
    public string Redacted => BrokerEndpoints.Redact(Urls);

    /// <summary>Opens a connection named <c>jobexporter-&lt;purpose&gt;</c> (as the broker's management UI shows it) to one of the nodes.</summary>
    public Task<IConnection> OpenAsync(string purpose, CancellationToken cancellationToken) =>
        Factory(purpose).CreateConnectionAsync(Endpoints(), cancellationToken);

    /// <summary>Every node, in the order given, each with TLS settings naming its own host.</summary>
    public IList<AmqpTcpEndpoint> Endpoints() => BrokerEndpoints.For(Urls, Tls.SslOption);

    /// <summary>The factory every connection comes from; separate so that tests can check its settings.</summary>
    public ConnectionFactory Factory(string purpose)
    {
        var factory = new ConnectionFactory
        {
            Uri = Urls[0],
            // Recovery is the caller's loop, which reports its state and re-declares what it uses.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            ClientProvidedName = $"jobexporter-{purpose}",
            RequestedConnectionTimeout = ConnectionTimeout,
            RequestedHeartbeat = Heartbeat,
        };
        // After Uri, which sets the URL's user, password and default TLS settings.
        factory.Ssl = Tls.SslOption(Urls[0]);
        if (_password is not null) factory.Password = _password;
        return factory;
    }
}
