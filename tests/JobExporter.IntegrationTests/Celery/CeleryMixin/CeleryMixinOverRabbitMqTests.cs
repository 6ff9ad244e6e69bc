using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery.CeleryMixin;

/// <summary>celery-mixin over JobExporter, the worker and the exporter on the tests' RabbitMQ.</summary>
public sealed class CeleryMixinOverRabbitMqTests : CeleryMixinDropInTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    protected override CeleryWorker StartWorker() => CeleryWorker.Start(Broker);

    protected override Task<ExporterProcess> StartExporterAsync(CeleryWorker worker, string[] args) =>
        ExporterProcess.StartAsync(Broker, ["--celery.enabled", "--celery.exchange", worker.EventExchange,
            "--celery.queue", $"jobexporter.celery.{Guid.NewGuid():N}", "--systems", "celery", .. EventLane.New().ExporterArgs, .. args]);
}
