using System.Net.Http;

namespace JobExporter.Transport.Http;

/// <summary>
/// Events straight to one or more exporters over HTTP (their <c>--web.enable-ingest</c> endpoint), with no broker. A
/// connection is the shared <see cref="HttpClient"/>; opening one posts an empty batch to every exporter, so that each
/// one's <see cref="ExporterDestination.IsReachable"/> is known before any event is sent (an exporter that is away, has
/// ingest off or refuses the credentials reads false), and fails when not one of them acknowledges it, as a broker that
/// is away would.
/// <para>
/// Several exporters (an HA pair, a redeploy): each batch is posted to every one, and it is acknowledged only when every
/// one has taken it. While one is away, the batch fails and the publisher keeps it and sends it again, to every
/// exporter: those that took it already drop it as a duplicate by its events' ids, so each counts every event once. The
/// cost of one exporter away is the publisher's as for a broker away: events wait in its buffer (the others still get
/// each batch at every attempt), and what the buffer cannot hold is dropped and counted.
/// </para>
/// </summary>
internal sealed class HttpEventTransport : IEventTransport
{
    private readonly HttpClient _client;
    private static readonly byte[] EmptyBatch = "[]"u8.ToArray();
    private readonly IReadOnlyList<ExporterDestination> _exporters;

    /// <param name="exporters">Each exporter's URL (http:// or https://), with basic-auth credentials in it or not.</param>
    /// <param name="password">Replaces the password of every URL's user, when set.</param>
    /// <param name="tls">CAs the exporters' certificates must chain to (default the system's), and a client certificate.</param>
    public HttpEventTransport(IReadOnlyList<Uri> exporters, string? password, BrokerTls tls)
        : this(exporters.Select(e => new ExporterEndpoint(e, password)).ToList(), new HttpClient(Handler(tls), disposeHandler: true)
        {
            // The publisher's ConfirmTimeout cancels a batch; this only stops a post without a token from waiting forever.
            Timeout = TimeSpan.FromMinutes(5),
        })
    {
    }

    internal HttpEventTransport(IReadOnlyList<ExporterEndpoint> exporters, HttpClient client)
    {
        _exporters = exporters.Select(e => new ExporterDestination(e)).ToList();
        _client = client;
        Destination = string.Join(", ", exporters.Select(e => e.Redacted));
    }

    public string Destination { get; }

    public IReadOnlyList<ExporterDestination> Exporters => _exporters;

    public async Task<IEventConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var probes = new Task[_exporters.Count];
        for (var i = 0; i < probes.Length; i++) probes[i] = HttpEventConnection.PostAsync(_client, _exporters[i], EmptyBatch, 0, cancellationToken);
        try
        {
            await Task.WhenAll(probes).ConfigureAwait(false);
        }
        catch (Exception) when (probes.Any(p => p.Status == TaskStatus.RanToCompletion))
        {
            // One exporter away does not hold the others back: batches still go to every one (and fail while one is away,
            // so that they are kept), and the ones that took them show nothing pending, the absent one all of them.
        }
        // The publisher sends what failed before first, on this connection.
        foreach (var exporter in _exporters) exporter.SendingFailedAgain();
        return new HttpEventConnection(_client, _exporters);
    }

    private static HttpClientHandler Handler(BrokerTls tls)
    {
        var handler = new HttpClientHandler { SslProtocols = BrokerTls.Protocols };
        if (tls.CaCertificates is { } roots)
        {
            handler.ServerCertificateCustomValidationCallback = (_, certificate, chain, errors) =>
                CertificateTrust.IsTrustedServer(certificate, chain, errors, roots);
        }
        if (tls.ClientCertificate is { } client)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(client);
        }
        return handler;
    }
}
