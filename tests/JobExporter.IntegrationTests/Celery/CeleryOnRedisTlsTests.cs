using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery;

/// <summary>The exporter on a rediss:// Redis that takes TLS with client certificates only, and a password, on database 2.</summary>
public class CeleryOnRedisTlsTests
{
    private const string Password = "s3cret-redis";

    private static string Heartbeat(string hostname) => KombuRedisMessages.Heartbeat(hostname);

    private static async Task<ExporterProcess> StartExporter(RedisServer redis, TestPki pki, string passwordFile, string? caFile = null)
    {
        var port = FreePort.Next();
        return await ExporterProcess.StartWithArgsAsync(port, ["--web.listen-address", $"127.0.0.1:{port}", "--celery.enabled",
            "--celery.broker-url", redis.Url(database: 2), "--celery.broker-password-file", passwordFile,
            "--celery.broker-ca-file", caFile ?? pki.CaFile, "--celery.broker-cert-file", pki.ClientCertFile, "--celery.broker-key-file", pki.ClientKeyFile]);
    }

    [Test]
    public async Task Over_tls_with_a_client_certificate_and_a_password_the_events_of_database_2_are_counted()
    {
        using var pki = new TestPki();
        await using var redis = await RedisServer.StartAsync(pki, Password);
        using var folder = new TempFolder("redis-secret");
        await File.WriteAllTextAsync(folder.File("password"), Password + "\n");
        await using var exporter = await StartExporter(redis, pki, folder.File("password"));
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_broker_connected") == 1, Events.Patience, $"subscribed\n{exporter.Output}");

        // Database 0's channel is another Celery's: not counted.
        Assert.That(await redis.PublishAsync("/0.celeryev/worker.heartbeat", Heartbeat("celery@db0")), Is.EqualTo(0));
        Assert.That(await redis.PublishAsync("/2.celeryev/worker.heartbeat", Heartbeat("celery@db2")), Is.EqualTo(1));
        var m = await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_worker_up", ("system", "celery"), ("hostname", "celery@db2")) == 1,
            Events.Patience, "the heartbeat applied");
        Assert.Multiple(() =>
        {
            Assert.That(m.Has("jobs_worker_up", ("hostname", "celery@db0")), Is.False);
            Assert.That(exporter.Output, Does.Not.Contain(Password));
            Assert.That(exporter.Output, Does.Contain($"at rediss://127.0.0.1:{redis.Port}/2"));
        });
        Assert.That((int)(await exporter.GetAsync("readyz")).StatusCode, Is.EqualTo(200));
    }

    [Test]
    public async Task A_server_certificate_from_another_ca_is_refused_and_readyz_says_why()
    {
        using var pki = new TestPki();
        using var otherCa = new TestPki();
        await using var redis = await RedisServer.StartAsync(pki, Password);
        using var folder = new TempFolder("redis-secret");
        await File.WriteAllTextAsync(folder.File("password"), Password);
        await using var exporter = await StartExporter(redis, pki, folder.File("password"), caFile: otherCa.CaFile);
        await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains("Subscribing to Celery's events at rediss://", StringComparison.Ordinal)),
            Events.Patience, "the first failed attempt");

        var readyz = await exporter.GetAsync("readyz");
        var m = await exporter.ScrapeAsync();
        Assert.Multiple(async () =>
        {
            Assert.That((int)readyz.StatusCode, Is.EqualTo(503));
            Assert.That(await readyz.Content.ReadAsStringAsync(), Does.StartWith("not ready: not subscribed to Celery events on Redis (rediss://127.0.0.1:"));
            Assert.That(m.Value("jobs_exporter_celery_broker_connected"), Is.EqualTo(0));
            Assert.That(exporter.Output, Does.Not.Contain(Password));
        });
    }
}
