using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
namespace JobExporter.Testing;

/// <summary>A throw-away CA, a server certificate for 127.0.0.1/localhost and a client certificate, written as PEM into a temp folder.</summary>
public sealed class TestPki : IDisposable
{
    private readonly TempFolder _folder = new("pki");
    private readonly DateTimeOffset _notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
    private readonly DateTimeOffset _notAfter = DateTimeOffset.UtcNow.AddDays(1);

    public TestPki()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=jobexporter test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(_notBefore, _notAfter.AddHours(1));
        Write("ca.pem", ca.ExportCertificatePem());
        Issue(ca, "server", "CN=127.0.0.1", serverAuth: true);
        Issue(ca, "client", "CN=scraper", serverAuth: false);
    }

    public string Folder => _folder.Path;
    public string CaFile => _folder.File("ca.pem");
    public string ServerCertFile => _folder.File("server.pem");
    public string ServerKeyFile => _folder.File("server-key.pem");
    public string ClientCertFile => _folder.File("client.pem");
    public string ClientKeyFile => _folder.File("client-key.pem");

    private void Issue(X509Certificate2 ca, string name, string subject, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        // Inside the CA's own validity, computed once: a leaf outliving its issuer is refused.
        using var certificate = request.Create(ca, _notBefore, _notAfter,
            RandomNumberGenerator.GetBytes(8));
        Write($"{name}.pem", certificate.ExportCertificatePem());
        Write($"{name}-key.pem", key.ExportPkcs8PrivateKeyPem());
    }

    private void Write(string name, string pem) => File.WriteAllText(_folder.File(name), pem);

    public void Dispose() => _folder.Dispose();
}
