using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace JobExporter.Transport;

/// <summary>
/// Reads PEM files of certificates, and checks that a peer's certificate chains to a given set of CAs only (not to the
/// system's). Used for the broker's certificate by the emitters and the exporter, and by the exporter's web server for
/// its clients' certificates.
/// </summary>
internal static class CertificateTrust
{
    /// <summary>Every certificate of a PEM file; throws <see cref="InvalidDataException"/> when there is none.</summary>
    public static X509Certificate2Collection ReadCertificates(string path)
    {
        var certificates = ReadPem(path);
        return certificates.Count > 0 ? certificates : throw new InvalidDataException("no PEM certificate in the file");
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

#if NETSTANDARD2_0
    // The certificates between BEGIN CERTIFICATE and END CERTIFICATE lines, as ImportFromPemFile reads them on .NET.
    private static X509Certificate2Collection ReadPem(string path)
    {
        const string Begin = "-----BEGIN CERTIFICATE-----", End = "-----END CERTIFICATE-----";
        var text = File.ReadAllText(path);
        var roots = new X509Certificate2Collection();
        for (var start = text.IndexOf(Begin, StringComparison.Ordinal); start >= 0; start = text.IndexOf(Begin, start, StringComparison.Ordinal))
        {
            start += Begin.Length;
            var end = text.IndexOf(End, start, StringComparison.Ordinal);
            if (end < 0) throw new FormatException($"'{path}' has a BEGIN CERTIFICATE line without its END CERTIFICATE line.");
            roots.Add(new X509Certificate2(Convert.FromBase64String(text.Substring(start, end - start))));
            start = end + End.Length;
        }
        return roots;
    }

    /// <summary>True when <paramref name="certificate"/> chains to one of <paramref name="roots"/> (and not to the system's CAs).</summary>
    // netstandard2.0 has no custom root trust: the chain is built with the CA file's certificates as extra ones and
    // an unknown root allowed, then accepted only when it ends at one of them.
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots, X509Chain? presented = null)
    {
        using var chain = NewChain(presented);
        chain.ChainPolicy.ExtraStore.AddRange(roots);
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
        if (!chain.Build(certificate)) return false;
        var top = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
        foreach (var root in roots)
        {
            if (root.RawData.AsSpan().SequenceEqual(top.RawData)) return true;
        }
        return false;
    }
#else
    private static X509Certificate2Collection ReadPem(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates;
    }

    /// <summary>True when <paramref name="certificate"/> chains to one of <paramref name="roots"/> (and not to the system's CAs).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots, X509Chain? presented = null)
    {
        using var chain = NewChain(presented);
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        return chain.Build(certificate);
    }
#endif

    // With the intermediates the peer sent along, so that a chain through them can be built.
    private static X509Chain NewChain(X509Chain? presented)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            for (var i = 1; i < presented.ChainElements.Count; i++) chain.ChainPolicy.ExtraStore.Add(presented.ChainElements[i].Certificate);
        }
        return chain;
    }
}
