using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Security;

/// <summary>
/// A RabbitMQ node that only speaks TLS to clients with a certificate from the test CA: the exporter and the
/// publisher both connect over amqps:// with --broker.ca-file and a client certificate, and events flow.
/// </summary>
public class BrokerTlsTests
{
    private TestPki _pki = null!;
    private RabbitMqNode _node = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _pki = new TestPki();
        _node = await RabbitMqNode.StartAsync(new RabbitMqTls(_pki.CaFile, _pki.ServerCertFile, _pki.ServerKeyFile, RequireClientCertificate: true));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        // Also after a failed start: what did start is stopped.
        if (_node is not null) await _node.DisposeAsync();
        _pki?.Dispose();
    }

    [Test]
    public async Task The_exporter_and_the_publisher_exchange_events_over_tls_with_client_certificates()
    {
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(_node.AmqpsUrl, [.. lane.ExporterArgs,
            "--broker.ca-file", _pki.CaFile, "--broker.cert-file", _pki.ClientCertFile, "--broker.key-file", _pki.ClientKeyFile]);
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Events.Patience, "a TLS connection");

        await using var publisher = new EventPublisher(new EventPublisherOptions
        {
            BrokerUrl = _node.AmqpsUrl,
            Exchange = lane.Exchange,
            CaFile = _pki.CaFile,
            CertFile = _pki.ClientCertFile,
            KeyFile = _pki.ClientKeyFile,
        });
        var factory = new EventFactory("hangfire", "tls-worker");
        foreach (var e in Events.SucceededJob(factory, "TlsJob", "secure")) publisher.TryPublish(e);

        var page = await exporter.WaitForMetricsAsync(m => m.Value("jobs_succeeded_total", ("name", "TlsJob")) == 1, Events.Patience, "the job over TLS");
        Assert.That(page.Value("jobs_sent_total", ("name", "TlsJob")), Is.EqualTo(1));
        Assert.That(publisher.IsConnected, Is.True);
    }

    [Test]
    public async Task Without_a_client_certificate_the_broker_refuses_the_exporter()
    {
        await using var exporter = await ExporterProcess.StartAsync(_node.AmqpsUrl, "--broker.queue", EventLane.New().Queue, "--broker.ca-file", _pki.CaFile);
        await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains("Connecting to the broker")), Events.Patience, "a failure line");
        Assert.That((await exporter.ScrapeAsync()).Value("jobs_exporter_broker_connected"), Is.EqualTo(0));
    }

    [Test]
    public async Task A_broker_certificate_from_another_ca_is_refused()
    {
        using var other = new TestPki();
        await using var exporter = await ExporterProcess.StartAsync(_node.AmqpsUrl, "--broker.queue", EventLane.New().Queue,
            "--broker.ca-file", other.CaFile, "--broker.cert-file", _pki.ClientCertFile, "--broker.key-file", _pki.ClientKeyFile);
        await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains("Connecting to the broker")), Events.Patience, "a failure line");
        Assert.That((await exporter.ScrapeAsync()).Value("jobs_exporter_broker_connected"), Is.EqualTo(0));
    }
}
