using JobExporter.Testing;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using JobExporter.Broker;
using JobExporter.Configuration;
using JobExporter.Transport;

namespace JobExporter.Tests.Security;

public class BrokerTlsTests
{
    private TestPki _pki = null!;

    [OneTimeSetUp]
    public void MakeCertificates() => _pki = new TestPki();

    [OneTimeTearDown]
    public void RemoveCertificates() => _pki.Dispose();

    private static ExporterOptions Read(params string[] args) => OptionsReader.Read(FlagValues.Read(args, new Dictionary<string, string?>()), "h");

    [Test]
    public void An_amqps_url_turns_tls_on_with_the_host_as_server_name()
    {
        var ssl = BrokerConnections.Factory(Read("--broker.url", "amqps://u:p@rabbit.example:5671/"), "test").Ssl;
        Assert.That(ssl.Enabled, Is.True);
        Assert.That(ssl.ServerName, Is.EqualTo("rabbit.example"));
        Assert.That(ssl.CertificateValidationCallback, Is.Null, "without --broker.ca-file the system's CAs decide");
    }

    [Test]
    public void An_amqp_url_leaves_tls_off()
    {
        Assert.That(BrokerConnections.Factory(Read("--broker.url", "amqp://u:p@rabbit/"), "test").Ssl.Enabled, Is.False);
    }

    [Test]
    public void The_ca_file_and_client_certificate_go_into_the_connection_factory()
    {
        var options = Read("--broker.url", "amqps://u:p@127.0.0.1/", "--broker.ca-file", _pki.CaFile,
            "--broker.cert-file", _pki.ClientCertFile, "--broker.key-file", _pki.ClientKeyFile);
        var ssl = BrokerConnections.Factory(options, "test").Ssl;
        Assert.That(ssl.Certs!.Cast<X509Certificate2>().Single().Subject, Is.EqualTo("CN=scraper"));
        Assert.That(ssl.Certs!.Cast<X509Certificate2>().Single().HasPrivateKey, Is.True);
        Assert.That(ssl.CertificateValidationCallback, Is.Not.Null);
    }

    [Test]
    public void Only_a_server_certificate_signed_by_the_ca_file_is_trusted()
    {
        var roots = CertificateTrust.ReadCertificates(_pki.CaFile);
        var server = CertificateTrust.ReadCertificates(_pki.ServerCertFile)[0];
        Assert.That(CertificateTrust.IsTrustedServer(server, null, SslPolicyErrors.RemoteCertificateChainErrors, roots), Is.True);
        Assert.That(CertificateTrust.IsTrustedServer(server, null, SslPolicyErrors.RemoteCertificateNameMismatch, roots), Is.False);
        Assert.That(CertificateTrust.IsTrustedServer(null, null, SslPolicyErrors.RemoteCertificateNotAvailable, roots), Is.False);
        using var otherPki = new TestPki();
        Assert.That(CertificateTrust.IsTrustedServer(server, null, SslPolicyErrors.None, CertificateTrust.ReadCertificates(otherPki.CaFile)), Is.False);
    }

    [TestCase("amqp://u:p@rabbit/", "--broker.ca-file", "--broker.ca-file, --broker.cert-file and --broker.key-file need an amqps:// --broker.url")]
    [TestCase("amqps://u:p@rabbit/", "--broker.cert-file", "--broker.cert-file and --broker.key-file go together: set both or neither")]
    public void Tls_files_that_cannot_work_are_a_bad_flag(string url, string flag, string problem)
    {
        var ex = Assert.Throws<FlagException>(() => Read("--broker.url", url, flag, _pki.CaFile));
        Assert.That(ex!.Message, Is.EqualTo(problem));
    }

    [Test]
    public void An_unreadable_ca_file_is_a_bad_flag_that_names_it()
    {
        var missing = Path.Combine(_pki.Folder, "missing.pem");
        var ex = Assert.Throws<FlagException>(() => Read("--broker.url", "amqps://u:p@rabbit/", "--broker.ca-file", missing));
        Assert.That(ex!.Message, Does.StartWith($"--broker.ca-file '{missing}' cannot be loaded"));
    }

    [Test]
    public void A_client_certificate_with_the_wrong_key_is_a_bad_flag()
    {
        var ex = Assert.Throws<FlagException>(() => Read("--broker.url", "amqps://u:p@rabbit/",
            "--broker.cert-file", _pki.ClientCertFile, "--broker.key-file", _pki.ServerKeyFile));
        Assert.That(ex!.Message, Does.StartWith($"--broker.cert-file '{_pki.ClientCertFile}' with --broker.key-file"));
    }
}
