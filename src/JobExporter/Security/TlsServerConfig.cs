using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace JobExporter.Security;

/// <summary>The <c>tls_server_config</c> of a web configuration file, with its certificates loaded and checked.</summary>
internal sealed record TlsServerConfig
{
    /// <summary>The server's certificate, with its private key (<c>cert_file</c> and <c>key_file</c>).</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>Intermediate certificates that followed the first one in <c>cert_file</c>, sent to clients with it.</summary>
    public required X509Certificate2Collection Intermediates { get; init; }

    /// <summary><c>client_auth_type</c>. Default <see cref="ClientAuthType.NoClientCert"/>.</summary>
    public ClientAuthType ClientAuth { get; init; } = ClientAuthType.NoClientCert;

    /// <summary>The CAs of <c>client_ca_file</c> that client certificates must chain to; required by the Verify* types.</summary>
    public X509Certificate2Collection? ClientCas { get; init; }

    /// <summary>The TLS versions from <c>min_version</c> (default TLS12) to <c>max_version</c> (default TLS13).</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;
}
