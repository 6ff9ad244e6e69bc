using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using RabbitMQ.Client;

namespace JobExporter.Transport;

/// <summary>
/// The TLS side of a broker connection (amqps://): the CAs the broker's certificate must chain to (default the
/// system's) and an optional client certificate. The files are read once, at start, by whoever reads the settings
/// (<see cref="CertificateTrust.ReadCertificates"/>, <see cref="ClientCertificates.Load"/>), so that a bad one fails
/// there with the setting's name.
/// </summary>
internal sealed record BrokerTls(X509Certificate2Collection? CaCertificates, X509Certificate2? ClientCertificate)
{
    public static BrokerTls None { get; } = new(null, null);

    /// <summary>
    /// The <see cref="RabbitMQ.Client.SslOption"/> for a connection to <paramref name="broker"/>, expecting its host name in
    /// the broker's certificate; disabled for amqp://.
    /// </summary>
    public SslOption SslOption(Uri broker)
    {
        var ssl = new SslOption
        {
            Enabled = broker.Scheme == "amqps",
            ServerName = broker.Host,
            Version = Protocols,
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

#if NETSTANDARD2_0
    // TLS 1.3 is not in netstandard2.0's SslProtocols.
    internal static SslProtocols Protocols => SslProtocols.Tls12;
#else
    internal static SslProtocols Protocols => SslProtocols.Tls12 | SslProtocols.Tls13;
#endif
}
