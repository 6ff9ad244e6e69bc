using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using JobExporter.Broker;
using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Testing;
using JobExporter.Transport;
using JobExporter.Transport.RabbitMq;

namespace JobExporter.Tests.Transport;

/// <summary>The one connector: the emitters and the exporter reach the broker with the same settings.</summary>
public class BrokerConnectorTests
{
    private TestPki _pki = null!;

    [OneTimeSetUp]
    public void MakeCertificates() => _pki = new TestPki();

    [OneTimeTearDown]
    public void RemoveCertificates() => _pki.Dispose();

    private static ExporterOptions Exporter(params string[] args) =>
        OptionsReader.Read(FlagValues.Read(args, new Dictionary<string, string?>()), "h");

    private static EventPublisherOptions Emitter(string url, params string[] failover)
    {
        var options = new EventPublisherOptions { BrokerUrl = new Uri(url) };
        foreach (var other in failover) options.FailoverBrokerUrls.Add(new Uri(other));
        return options;
    }

    [Test]
    public void The_emitter_and_the_exporter_connect_with_the_same_timeout_heartbeat_and_no_automatic_recovery()
    {
        var emitter = EventPublisher.Connector(Emitter("amqp://u:p@rabbit/")).Factory("emitter");
        var exporter = BrokerConnections.Factory(Exporter("--broker.url", "amqp://u:p@rabbit/"), "consumer");
        foreach (var factory in new[] { emitter, exporter })
        {
            Assert.Multiple(() =>
            {
                Assert.That(factory.RequestedConnectionTimeout, Is.EqualTo(TimeSpan.FromSeconds(10)));
                Assert.That(factory.RequestedHeartbeat, Is.EqualTo(TimeSpan.FromSeconds(15)));
                Assert.That(factory.AutomaticRecoveryEnabled, Is.False, "each caller's loop reconnects and re-declares");
                Assert.That(factory.TopologyRecoveryEnabled, Is.False);
            });
        }
        Assert.That(new[] { emitter.ClientProvidedName, exporter.ClientProvidedName }, Is.EqualTo(new[] { "jobexporter-emitter", "jobexporter-consumer" }));
    }

    [Test]
    public void The_nodes_are_the_endpoints_in_the_order_given_each_checked_against_its_own_host()
    {
        var connector = EventPublisher.Connector(Emitter("amqps://u:p@rabbit-2.example/", "amqps://u:p@rabbit-0.example:5700/", "amqps://u:p@rabbit-1.example/"));
        Assert.That(connector.Endpoints().Select(e => (e.HostName, e.Port, e.Ssl.Enabled, e.Ssl.ServerName)), Is.EqualTo(new[]
        {
            ("rabbit-2.example", 5671, true, "rabbit-2.example"),
            ("rabbit-0.example", 5700, true, "rabbit-0.example"),
            ("rabbit-1.example", 5671, true, "rabbit-1.example"),
        }));
    }

    [Test]
    public void The_first_url_gives_user_and_virtual_host_and_a_password_from_elsewhere_replaces_its_own()
    {
        var urls = new[] { new Uri("amqp://app:in-url@rabbit-0/jobs"), new Uri("amqp://app:in-url@rabbit-1/jobs") };
        var replaced = new BrokerConnector(urls, "from-a-file", BrokerTls.None).Factory("test");
        var kept = new BrokerConnector(urls, null, BrokerTls.None).Factory("test");
        Assert.Multiple(() =>
        {
            Assert.That((replaced.UserName, replaced.Password, replaced.VirtualHost), Is.EqualTo(("app", "from-a-file", "jobs")));
            Assert.That(kept.Password, Is.EqualTo("in-url"));
        });
    }

    [Test]
    public void A_connector_needs_a_node() =>
        Assert.Throws<ArgumentException>(() => _ = new BrokerConnector([], null, BrokerTls.None));

    [Test]
    public void The_transport_names_its_destination_without_a_password()
    {
        var connector = EventPublisher.Connector(Emitter("amqp://app:hunter2@rabbit-0/", "amqp://app:hunter2@rabbit-1/"));
        Assert.That(new RabbitMqEventTransport(connector, "jobs.events").Destination, Is.EqualTo("amqp://app:***@rabbit-0/,amqp://app:***@rabbit-1/"));
    }

    [Test]
    public void Without_a_ca_file_the_systems_cas_decide_and_amqp_has_no_tls()
    {
        var amqps = BrokerTls.None.SslOption(new Uri("amqps://u:p@rabbit.example/"));
        Assert.Multiple(() =>
        {
            Assert.That(amqps.Enabled, Is.True);
            Assert.That(amqps.CertificateValidationCallback, Is.Null);
            Assert.That(amqps.Version, Is.EqualTo(SslProtocols.Tls12 | SslProtocols.Tls13));
            Assert.That(BrokerTls.None.SslOption(new Uri("amqp://u:p@rabbit.example/")).Enabled, Is.False);
        });
    }

    [Test]
    public void The_emitters_ca_file_and_client_certificate_go_into_every_endpoint()
    {
        var options = Emitter("amqps://u:p@rabbit-0/", "amqps://u:p@rabbit-1/");
        options.CaFile = _pki.CaFile;
        options.CertFile = _pki.ClientCertFile;
        options.KeyFile = _pki.ClientKeyFile;
        foreach (var endpoint in EventPublisher.Connector(options).Endpoints())
        {
            var client = endpoint.Ssl.Certs!.Cast<X509Certificate2>().Single();
            Assert.Multiple(() =>
            {
                Assert.That(endpoint.Ssl.CertificateValidationCallback, Is.Not.Null, $"{endpoint}: only the CA file's CAs");
                Assert.That((client.Subject, client.HasPrivateKey), Is.EqualTo(("CN=scraper", true)));
            });
        }
    }

    [Test]
    public void An_emitter_ca_file_without_a_certificate_fails_naming_the_setting()
    {
        using var folder = new TempFolder("ca");
        File.WriteAllText(folder.File("ca.pem"), "not a certificate\n");
        var options = Emitter("amqps://u:p@rabbit/");
        options.CaFile = folder.File("ca.pem");
        Assert.That(Assert.Throws<ArgumentException>(() => EventPublisher.Connector(options))!.Message,
            Is.EqualTo($"JobExporter:CaFile '{folder.File("ca.pem")}' holds no PEM certificate."));
    }

    [TestCase("client.pfx", true)]
    [TestCase("CLIENT.P12", true)]
    [TestCase("client.pem", false)]
    [TestCase("pfx/client.crt", false)]
    public void A_pfx_or_p12_file_is_read_as_pkcs12(string path, bool pkcs12) =>
        Assert.That(ClientCertificates.IsPkcs12(path), Is.EqualTo(pkcs12));

    [Test]
    public void A_pkcs12_client_certificate_loads_with_its_key_and_password()
    {
        var pem = ClientCertificates.FromPem(_pki.ClientCertFile, _pki.ClientKeyFile);
        var file = Path.Combine(_pki.Folder, "client.pfx");
        File.WriteAllBytes(file, pem.Export(X509ContentType.Pkcs12, "pfx-pw"));
        var loaded = ClientCertificates.Load(file, keyFile: null, password: "pfx-pw");
        Assert.That((loaded.Subject, loaded.HasPrivateKey), Is.EqualTo(("CN=scraper", true)));
    }
}
