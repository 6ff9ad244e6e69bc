using JobExporter.Configuration;

namespace JobExporter.Tests.Configuration;

/// <summary>--web.enable-ingest: off by default, and with it alone the exporter needs no RabbitMQ.</summary>
public class IngestFlagTests
{
    private static ExporterOptions Read(string[] args, Dictionary<string, string?>? env = null) =>
        OptionsReader.Read(FlagValues.Read(args, env ?? []), "box1");

    [Test]
    public void The_ingest_endpoint_is_off_by_default_and_rabbitmq_is_read()
    {
        var options = Read([]);
        Assert.That(options.Ingest, Is.False);
        Assert.That(options.RabbitMqEvents, Is.True);
    }

    [Test]
    public void Ingest_alone_reads_no_rabbitmq_events_and_a_broker_url_brings_them_back()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Read(["--web.enable-ingest"]).Ingest, Is.True);
            Assert.That(Read(["--web.enable-ingest"]).RabbitMqEvents, Is.False);
            Assert.That(Read([], new() { ["JOBEXPORTER_WEB_ENABLE_INGEST"] = "true" }).Ingest, Is.True, "its environment twin");
            Assert.That(Read(["--web.enable-ingest", "--broker.url", "amqp://rabbit/"]).RabbitMqEvents, Is.True);
        });
    }
}
