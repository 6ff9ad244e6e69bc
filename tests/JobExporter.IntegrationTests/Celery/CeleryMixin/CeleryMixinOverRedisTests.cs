using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery.CeleryMixin;

/// <summary>celery-mixin over JobExporter, the worker and the exporter on a Redis of this fixture's own, no RabbitMQ at all.</summary>
public sealed class CeleryMixinOverRedisTests : CeleryMixinDropInTests
{
    private RedisServer? _redis;

    private RedisServer Redis => _redis ?? throw new InvalidOperationException("Redis is not started");

    [OneTimeSetUp]
    public async Task StartRedis() => _redis = await RedisServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopRedis()
    {
        if (_redis is not null) await _redis.DisposeAsync();
    }

    protected override CeleryWorker StartWorker() => CeleryWorker.StartOnRedis(Redis.Url());

    protected override async Task<ExporterProcess> StartExporterAsync(CeleryWorker worker, string[] args)
    {
        var port = FreePort.Next();
        return await ExporterProcess.StartWithArgsAsync(port, ["--web.listen-address", $"127.0.0.1:{port}", "--celery.enabled",
            "--celery.broker-url", Redis.Url(), "--celery.exchange", worker.EventExchange, "--systems", "celery", .. args]);
    }
}
