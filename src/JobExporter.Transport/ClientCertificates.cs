using System.Security.Cryptography.X509Certificates;

namespace JobExporter.Transport;

/// <summary>
/// Loads the client certificate a connection presents to an amqps:// broker: a PEM certificate with its PEM key file,
/// or a PKCS#12 file (<c>.pfx</c>, <c>.p12</c>) holding both. The netstandard2.0 build (.NET Framework) reads PKCS#12
/// only: .NET Framework has no PEM key import, and the error says so, naming the PKCS#12 alternative.
/// </summary>
internal static class ClientCertificates
{
    /// <summary>A PKCS#12 file (<c>.pfx</c>, <c>.p12</c>) holds the certificate and its key: no key file.</summary>
    public static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    /// <summary>A PKCS#12 <paramref name="certFile"/> (with <paramref name="password"/>), else a PEM one with <paramref name="keyFile"/>.</summary>
    public static X509Certificate2 Load(string certFile, string? keyFile, string? password) =>
        IsPkcs12(certFile) ? FromPkcs12(certFile, password) : FromPem(certFile, keyFile);

    public static X509Certificate2 FromPkcs12(string file, string? password)
    {
#if NET9_0_OR_GREATER
        return X509CertificateLoader.LoadPkcs12FromFile(file, password);
#else
        return new X509Certificate2(file, password);
#endif
    }

    public static X509Certificate2 FromPem(string certFile, string? keyFile)
    {
#if NETSTANDARD2_0
        throw new ArgumentException(
            "JobExporter:CertFile and KeyFile: a PEM client certificate needs the net8.0 or net10.0 build of JobExporter.Transport; "
            + "this is its netstandard2.0 build (.NET Framework), which cannot read a PEM private key. "
            + "Give CertFile a PKCS#12 file (.pfx or .p12) holding the certificate and its key instead, with CertPassword if it has one "
            + "(openssl pkcs12 -export -in client.pem -inkey client-key.pem -out client.pfx).");
#else
        return X509Certificate2.CreateFromPemFile(certFile, keyFile);
#endif
    }
}
