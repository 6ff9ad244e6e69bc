using JobExporter.Transport;

namespace JobExporter.Emitter;

/// <summary>
/// Every setting of an emitter, in one place: the broker and its TLS files, the buffer, the timings and the identity
/// events carry. Both emitters bind it from the <c>JobExporter</c> configuration section (<see cref="SectionName"/>)
/// and hand this very object to <see cref="EventPublisher"/>, so that no setting can be lost on the way.
/// Every default is stated here once.
/// </summary>
public class EventPublisherOptions
{
    /// <summary>The configuration section every emitter reads: <c>JobExporter</c>.</summary>
    public const string SectionName = "JobExporter";

    /// <summary>The broker, as an amqp:// or amqps:// URL. Required, unless <see cref="ExporterUrl"/> is set instead.</summary>
    public Uri? BrokerUrl { get; set; }

    /// <summary>
    /// The exporter to send events to over HTTP, with no broker (its <c>--web.enable-ingest</c> endpoint), as an http:// or
    /// https:// URL; basic-auth credentials may be in it (<c>https://user:password@host:9821/</c>), and <see cref="Password"/>
    /// replaces its password. Set this or <see cref="BrokerUrl"/>, not both. Default null.
    /// </summary>
    public Uri? ExporterUrl { get; set; }

    /// <summary>
    /// More exporters, besides <see cref="ExporterUrl"/> or instead of it (an HA pair, a redeploy): every batch goes to each
    /// one, and is kept and sent again until every one has taken it (each drops what it already counted by the events'
    /// ids, so each counts every event once). Default empty.
    /// </summary>
    public IList<Uri> ExporterUrls { get; set; } = new List<Uri>();

    /// <summary><see cref="ExporterUrl"/>, then <see cref="ExporterUrls"/>: empty when events go to a broker.</summary>
    public IReadOnlyList<Uri> AllExporterUrls => ExporterUrl is null ? [.. ExporterUrls] : [ExporterUrl, .. ExporterUrls];

    /// <summary>
    /// The other nodes of <see cref="BrokerUrl"/>'s RabbitMQ cluster, each an amqp:// or amqps:// URL with the same scheme,
    /// user, password and virtual host. The publisher connects to any node that answers and moves to another when its node
    /// is lost. Default empty: <see cref="BrokerUrl"/> only.
    /// </summary>
    public IList<Uri> FailoverBrokerUrls { get; set; } = new List<Uri>();

    /// <summary><see cref="BrokerUrl"/>, then <see cref="FailoverBrokerUrls"/>.</summary>
    public IReadOnlyList<Uri> AllBrokerUrls => BrokerUrl is null ? [.. FailoverBrokerUrls] : [BrokerUrl, .. FailoverBrokerUrls];

    /// <summary>
    /// Password that replaces the one in <see cref="BrokerUrl"/>, so that the URL can live in plain configuration and
    /// the password in a secret store. Default null: the URL's password.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>PEM file of the CA(s) that signed the broker's (or the exporter's) certificate (amqps:// or https:// only). Default null: the system's trusted CAs.</summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// Client certificate for amqps://: a PEM file with <see cref="KeyFile"/>, or a PKCS#12 file (<c>.pfx</c>, <c>.p12</c>)
    /// holding the certificate and its key (no KeyFile; its password in <see cref="CertPassword"/>). The netstandard2.0
    /// build (.NET Framework) reads PKCS#12 only. Default null: none.
    /// </summary>
    public string? CertFile { get; set; }

    /// <summary>PEM private key of a PEM <see cref="CertFile"/>. Default null.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Password of a PKCS#12 <see cref="CertFile"/>. Default null: none.</summary>
    public string? CertPassword { get; set; }

    /// <summary>The durable topic exchange events go to. Default <c>jobs.events</c>.</summary>
    public string Exchange { get; set; } = EventDefaults.ExchangeName;

    /// <summary>The <c>hostname</c> label of this process's events. Default null: the machine name.</summary>
    public string? Hostname { get; set; }

    /// <summary>Time between worker heartbeats while the job system runs. Default 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = EventDefaults.HeartbeatInterval;

    /// <summary>
    /// Events held in memory while the broker is slow or away. Default 50,000: about 8 MB when full (an event is held
    /// as a 120-byte value, in an array that grows by doubling), and half of it is 100 ms (<see cref="BatchDelay"/>) of
    /// a worker publishing 250,000 events a second. When full, new events are dropped and counted.
    /// </summary>
    public int BufferCapacity { get; set; } = 50_000;

    /// <summary>
    /// Most events sent in one batch message. Default 1,000 (about 200 KB; a message is also cut at 256 KiB, and the
    /// exporter takes up to 10,000 events and 512 KiB a message): the broker's CPU per event fell by about a third from
    /// 200 to 1,000, and with 500 a round's events for one routing key often took a full message and a small one.
    /// </summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>
    /// How long the publisher lets events gather before it sends them as a round of messages (sooner once half the
    /// buffer is full): fewer rounds cost the broker far less CPU than many small ones. Zero sends at once. Default 100 ms
    /// (20 ms before; see <see cref="BatchGathering"/>); events keep the time they happened, so only their arrival waits.
    /// </summary>
    public TimeSpan BatchDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long shutting the emitter down waits to send what is still buffered. Default 5 s.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// First wait before reconnecting after a failure; doubles up to <see cref="MaxReconnectDelay"/>, and each wait is
    /// drawn at random between half and all of it, so that many workers do not reconnect in step. Default 500 ms.
    /// </summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between reconnection attempts. Default 15 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one publish may wait for the broker's confirm before the connection is dropped and retried. Default 10 s.</summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The hostname events carry: <see cref="Hostname"/> when set, else the machine name.</summary>
    public string EffectiveHostname => string.IsNullOrWhiteSpace(Hostname) ? Environment.MachineName : Hostname!;

    /// <summary>
    /// What is wrong with these settings, one sentence each naming its configuration key; empty when they can work.
    /// No message shows the broker URL or a password.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        const string S = SectionName;
        var problems = new List<string>();
        if (AllExporterUrls.Count > 0)
        {
            ExporterProblems(problems);
        }
        else if (BrokerUrl is null)
        {
            problems.Add($"{S}:BrokerUrl is required (amqp://user:password@host:5672/vhost).");
        }
        else if (!BrokerUrl.IsAbsoluteUri)
        {
            problems.Add($"{S}:BrokerUrl must be an absolute amqp:// or amqps:// URL.");
        }
        else if (BrokerUrl.Scheme is not ("amqp" or "amqps"))
        {
            problems.Add($"{S}:BrokerUrl must be an amqp:// or amqps:// URL, not {BrokerUrl.Scheme}://.");
        }
        else if ((CaFile is not null || CertFile is not null || KeyFile is not null) && BrokerUrl.Scheme != "amqps")
        {
            problems.Add($"{S}:CaFile, CertFile and KeyFile need an amqps:// BrokerUrl.");
        }
        if (BrokerUrl is { IsAbsoluteUri: true } && FailoverBrokerUrls.Count > 0 && BrokerEndpoints.Mismatch(AllBrokerUrls) is { } mismatch)
        {
            problems.Add($"{S}:BrokerUrl and FailoverBrokerUrls cannot be one cluster: {mismatch}.");
        }
        if (CertFile is not null && ClientCertificates.IsPkcs12(CertFile))
        {
            if (KeyFile is not null) problems.Add($"{S}:KeyFile is for a PEM CertFile; a PKCS#12 CertFile (.pfx, .p12) holds its key.");
        }
        else if ((CertFile is null) != (KeyFile is null))
        {
            problems.Add($"{S}:CertFile and KeyFile go together: set both or neither (or a PKCS#12 CertFile, .pfx or .p12, alone).");
        }
        if (CertPassword is not null && (CertFile is null || !ClientCertificates.IsPkcs12(CertFile))) problems.Add($"{S}:CertPassword is for a PKCS#12 CertFile (.pfx, .p12).");
        if (string.IsNullOrWhiteSpace(Exchange)) problems.Add($"{S}:Exchange must not be empty (default {EventDefaults.ExchangeName}).");
        if (HeartbeatInterval <= TimeSpan.Zero) problems.Add($"{S}:HeartbeatInterval must be positive, not {HeartbeatInterval}.");
        if (BufferCapacity < 1) problems.Add($"{S}:BufferCapacity must be at least 1, not {BufferCapacity}.");
        if (MaxBatchSize < 1) problems.Add($"{S}:MaxBatchSize must be at least 1, not {MaxBatchSize}.");
        if (BatchDelay < TimeSpan.Zero || BatchDelay > TimeSpan.FromSeconds(10)) problems.Add($"{S}:BatchDelay must be between 0 and 10 s, not {BatchDelay}.");
        if (FlushTimeout < TimeSpan.Zero) problems.Add($"{S}:FlushTimeout must not be negative, not {FlushTimeout}.");
        if (ReconnectDelay <= TimeSpan.Zero) problems.Add($"{S}:ReconnectDelay must be positive, not {ReconnectDelay}.");
        if (MaxReconnectDelay < ReconnectDelay) problems.Add($"{S}:MaxReconnectDelay must be at least ReconnectDelay, not {MaxReconnectDelay}.");
        if (ConfirmTimeout <= TimeSpan.Zero) problems.Add($"{S}:ConfirmTimeout must be positive, not {ConfirmTimeout}.");
        return problems;
    }

    private void ExporterProblems(List<string> problems)
    {
        const string S = SectionName;
        if (BrokerUrl is not null || FailoverBrokerUrls.Count > 0)
        {
            problems.Add($"{S}:BrokerUrl (events through RabbitMQ) and ExporterUrl (events over HTTP to the exporter) cannot both be set: choose one transport.");
            return;
        }
        foreach (var url in AllExporterUrls)
        {
            if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
            {
                problems.Add($"{S}:ExporterUrl and ExporterUrls must be absolute http:// or https:// URLs{(url.IsAbsoluteUri ? $", not {url.Scheme}://" : "")}.");
                return;
            }
        }
        if ((CaFile is not null || CertFile is not null || KeyFile is not null) && AllExporterUrls.Any(url => url.Scheme != "https"))
        {
            problems.Add($"{S}:CaFile, CertFile and KeyFile need https:// exporter URLs.");
        }
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem, when there is any.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new ArgumentException("Invalid JobExporter emitter settings: " + string.Join(" ", problems));
    }
}
