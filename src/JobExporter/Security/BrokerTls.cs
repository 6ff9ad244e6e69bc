using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RabbitMQ.Client;

namespace JobExporter.Security;

/// <summary>
/// The TLS side of the exporter's broker connections (amqps://): the CAs the broker's certificate must chain to
/// (<c>--broker.ca-file</c>; default the system's) and an optional client certificate (<c>--broker.cert-file</c>
/// and <c>--broker.key-file</c>). Files are loaded once, at start, so that a bad one is a bad flag.
/// </summary>
internal sealed record BrokerTls(X509Certificate2Collection? CaCertificates, X509Certificate2? ClientCertificate)
{
    public static BrokerTls None { get; } = new(null, null);

    /// <summary>The <see cref="SslOption"/> for a connection to <paramref name="broker"/>; disabled for amqp://.</summary>
    public SslOption SslOption(Uri broker)
    {
        var ssl = new SslOption
        {
            Enabled = broker.Scheme == "amqps",
            ServerName = broker.Host,
            Version = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
        if (CaCertificates is { } roots)
        {
            ssl.CertificateValidationCallback = (_, certificate, chain, errors) => CertificateTrust.IsTrustedServer(certificate, chain, errors, roots);
        }
        if (ClientCertificate is { } client)
        {
            ssl.Certs = new X509CertificateCollection { client };
        }
        return ssl;
    }
}
