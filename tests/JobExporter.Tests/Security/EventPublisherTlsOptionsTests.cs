using JobExporter.Testing;
using JobExporter.Contracts;

namespace JobExporter.Tests.Security;

public class EventPublisherTlsOptionsTests
{
    [Test]
    public void Tls_files_need_an_amqps_url()
    {
        var options = new EventPublisherOptions { BrokerUrl = new Uri("amqp://u:p@rabbit/"), CaFile = "/ca.pem" };
        Assert.That(Assert.Throws<ArgumentException>(options.Validate)!.Message,
            Does.Contain("JobExporter:CaFile, CertFile and KeyFile need an amqps:// BrokerUrl."));
    }

    [Test]
    public void No_validation_message_shows_the_password_of_the_url()
    {
        var options = new EventPublisherOptions { BrokerUrl = new Uri("https://user:hunter2-secret@rabbit/"), BufferCapacity = 0, CertFile = "/c.pem" };
        var message = Assert.Throws<ArgumentException>(options.Validate)!.Message;
        Assert.That(message, Does.Contain("JobExporter:BrokerUrl must be an amqp:// or amqps:// URL, not https://")
            .And.Contain("JobExporter:BufferCapacity").And.Contain("JobExporter:CertFile")
            .And.Not.Contain("hunter2-secret"));
    }

    [Test]
    public void A_client_certificate_needs_its_key()
    {
        var options = new EventPublisherOptions { BrokerUrl = new Uri("amqps://u:p@rabbit/"), CertFile = "/client.pem" };
        Assert.That(Assert.Throws<ArgumentException>(options.Validate)!.Message,
            Does.Contain("JobExporter:CertFile and KeyFile go together: set both or neither (or a PKCS#12 CertFile, .pfx or .p12, alone)."));
    }

    [Test]
    public void A_pkcs12_client_certificate_holds_its_own_key()
    {
        var alone = new EventPublisherOptions { BrokerUrl = new Uri("amqps://u:p@rabbit/"), CertFile = "/client.pfx", CertPassword = "pfx-secret" };
        Assert.That(alone.Problems(), Is.Empty);
        var withKey = new EventPublisherOptions { BrokerUrl = new Uri("amqps://u:p@rabbit/"), CertFile = "/client.P12", KeyFile = "/client-key.pem" };
        Assert.That(Assert.Throws<ArgumentException>(withKey.Validate)!.Message,
            Does.Contain("JobExporter:KeyFile is for a PEM CertFile; a PKCS#12 CertFile (.pfx, .p12) holds its key."));
    }

    [Test]
    public void A_cert_password_is_only_for_a_pkcs12_file_and_never_shown()
    {
        var options = new EventPublisherOptions
        {
            BrokerUrl = new Uri("amqps://u:p@rabbit/"), CertFile = "/client.pem", KeyFile = "/client-key.pem", CertPassword = "pfx-hunter2",
        };
        var message = Assert.Throws<ArgumentException>(options.Validate)!.Message;
        Assert.That(message, Does.Contain("JobExporter:CertPassword is for a PKCS#12 CertFile (.pfx, .p12).").And.Not.Contain("pfx-hunter2"));
    }

    [Test]
    public void A_ca_file_that_cannot_be_read_fails_at_construction_not_later_in_the_job_pipeline()
    {
        var options = new EventPublisherOptions { BrokerUrl = new Uri("amqps://u:p@rabbit/"), CaFile = "/nonexistent/ca.pem" };
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new EventPublisher(options))!.Message,
            Does.StartWith("JobExporter: cannot load the TLS files"));
    }

    [Test]
    public async Task Files_from_the_test_ca_load()
    {
        using var pki = new TestPki();
        await using var publisher = new EventPublisher(new EventPublisherOptions
        {
            BrokerUrl = new Uri("amqps://u:p@127.0.0.1:1/"),
            CaFile = pki.CaFile,
            CertFile = pki.ClientCertFile,
            KeyFile = pki.ClientKeyFile,
            Password = "from-a-secret-store",
            FlushTimeout = TimeSpan.FromMilliseconds(100),
        });
        Assert.That(publisher.IsConnected, Is.False);
    }
}
