using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RabbitMQ.Client;

namespace JobExporter.Contracts;

/// <summary>
/// TLS for an amqps:// broker: its certificate must match its host name and chain to <c>CaFile</c> (else to the system's
/// CAs); <c>CertFile</c> is the client certificate, PEM with <c>KeyFile</c> or a PKCS#12 file. Files are read once,
/// when the publisher is made, so that a bad one fails at start with a message naming the setting.
/// The netstandard2.0 build (.NET Framework) reads PEM CA files and PKCS#12 client certificates; it cannot read a
/// PEM private key (.NET Framework has no PEM key import), and says so, naming the PKCS#12 alternative.
/// </summary>
internal static class PublisherTls
{
    public static SslOption Create(EventPublisherOptions options)
    {
        var url = options.BrokerUrl!;
        var ssl = new SslOption { Enabled = url.Scheme == "amqps", ServerName = url.Host, Version = Protocols };
        try
        {
            if (options.CaFile is not null)
            {
                var roots = ReadPemCertificates(options.CaFile);
                if (roots.Count == 0) throw new ArgumentException($"JobExporter:CaFile '{options.CaFile}' holds no PEM certificate.");
                ssl.CertificateValidationCallback = (_, certificate, chain, errors) => IsTrusted(certificate, chain, errors, roots);
            }
            if (options.CertFile is not null)
            {
                ssl.Certs = new X509CertificateCollection { ClientCertificate(options) };
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or FormatException)
        {
            throw new ArgumentException($"JobExporter: cannot load the TLS files (CaFile, CertFile, KeyFile): {ex.Message.Split('\n')[0]}", ex);
        }
        return ssl;
    }

    /// <summary>A PKCS#12 file (<c>.pfx</c>, <c>.p12</c>) holds the certificate and its key: no <c>KeyFile</c>.</summary>
    public static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    private static X509Certificate2 ClientCertificate(EventPublisherOptions options)
    {
        var file = options.CertFile!;
        if (IsPkcs12(file))
        {
#if NET9_0_OR_GREATER
            return X509CertificateLoader.LoadPkcs12FromFile(file, options.CertPassword);
#else
            return new X509Certificate2(file, options.CertPassword);
#endif
        }
#if NETSTANDARD2_0
        throw new ArgumentException(
            "JobExporter:CertFile and KeyFile: a PEM client certificate needs the net8.0 or net10.0 build of JobExporter.Contracts; "
            + "this is its netstandard2.0 build (.NET Framework), which cannot read a PEM private key. "
            + "Give CertFile a PKCS#12 file (.pfx or .p12) holding the certificate and its key instead, with CertPassword if it has one "
            + "(openssl pkcs12 -export -in client.pem -inkey client-key.pem -out client.pfx).");
#else
        return X509Certificate2.CreateFromPemFile(file, options.KeyFile);
#endif
    }

#if NETSTANDARD2_0
    private static SslProtocols Protocols => SslProtocols.Tls12;

    // The certificates between BEGIN CERTIFICATE and END CERTIFICATE lines, as ImportFromPemFile reads them on .NET.
    private static X509Certificate2Collection ReadPemCertificates(string path)
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

    // netstandard2.0 has no custom root trust: the chain is built with the CA file's certificates as extra ones and
    // an unknown root allowed, then accepted only when it ends at one of them.
    private static bool ChainsTo(X509Certificate2 certificate, X509Chain? presented, X509Certificate2Collection roots)
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
    private static SslProtocols Protocols => SslProtocols.Tls12 | SslProtocols.Tls13;

    private static X509Certificate2Collection ReadPemCertificates(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        return roots;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Chain? presented, X509Certificate2Collection roots)
    {
        using var chain = NewChain(presented);
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        return chain.Build(certificate);
    }
#endif

    private static bool IsTrusted(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }
        return ChainsTo(certificate as X509Certificate2 ?? new X509Certificate2(certificate), presented, roots);
    }

    // The intermediates the broker presented, so that a chain through them can be built.
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
