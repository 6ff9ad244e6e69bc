using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace JobExporter.Security;

/// <summary>Reads PEM files of certificates, and checks that a peer's certificate chains to a given set of CAs only.</summary>
internal static class CertificateTrust
{
    /// <summary>Every certificate of a PEM file; throws <see cref="InvalidDataException"/> when there is none.</summary>
    public static X509Certificate2Collection ReadCertificates(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates.Count > 0 ? certificates : throw new InvalidDataException("no PEM certificate in the file");
    }

    /// <summary>True when <paramref name="certificate"/> chains to one of <paramref name="roots"/> (and not to the system's CAs).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots, X509Chain? presented = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // Intermediates the peer sent along, so that a chain through them can be built.
            foreach (var element in presented.ChainElements.Skip(1)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return chain.Build(certificate);
    }

    /// <summary>
    /// A client's check of a server certificate against its own CAs: the name must match (checked by the TLS stack),
    /// and the chain must end at one of <paramref name="roots"/>.
    /// </summary>
    public static bool IsTrustedServer(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }
        return ChainsTo(certificate as X509Certificate2 ?? new X509Certificate2(certificate), roots, chain);
    }
}
