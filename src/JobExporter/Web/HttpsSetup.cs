using JobExporter.Security;
using JobExporter.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace JobExporter.Web;

/// <summary>Kestrel's HTTPS settings from a web configuration file's <c>tls_server_config</c>.</summary>
internal static class HttpsSetup
{
    public static void Apply(HttpsConnectionAdapterOptions https, TlsServerConfig tls)
    {
        https.ServerCertificate = tls.Certificate;
        if (tls.Intermediates.Count > 0) https.ServerCertificateChain = tls.Intermediates;
        https.SslProtocols = tls.Protocols;
        https.ClientCertificateMode = tls.ClientAuth switch
        {
            ClientAuthType.RequestClientCert or ClientAuthType.VerifyClientCertIfGiven => ClientCertificateMode.AllowCertificate,
            ClientAuthType.RequireAnyClientCert or ClientAuthType.RequireAndVerifyClientCert => ClientCertificateMode.RequireCertificate,
            _ => ClientCertificateMode.NoCertificate,
        };
        https.ClientCertificateValidation = tls.ClientAuth switch
        {
            // Asked for, not checked: Go's semantics for these two types.
            ClientAuthType.RequestClientCert or ClientAuthType.RequireAnyClientCert => (_, _, _) => true,
            // Only the configured CAs count, never the system's.
            _ when tls.ClientCas is { } cas => (certificate, chain, _) => CertificateTrust.ChainsTo(certificate, cas, chain),
            _ => null,
        };
    }
}
