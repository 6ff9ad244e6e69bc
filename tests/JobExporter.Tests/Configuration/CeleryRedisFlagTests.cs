using JobExporter.Configuration;

namespace JobExporter.Tests.Configuration;

public class CeleryRedisFlagTests
{
    private static ExporterOptions Read(string[] args, Dictionary<string, string?>? env = null) =>
        OptionsReader.Read(FlagValues.Read(args, env ?? []), "box1");

    [Test]
    public void Celery_on_redis_alone_reads_no_rabbitmq_events()
    {
        var options = Read(["--celery.enabled", "--celery.broker-url", "redis://:pw@redis:6380/3"]);
        Assert.Multiple(() =>
        {
            Assert.That(options.RabbitMqEvents, Is.False);
            Assert.That(options.Celery.Redis!.Url.Redacted, Is.EqualTo("redis://redis:6380/3"));
            Assert.That(options.Celery.Redis.EffectivePassword!.Reveal(), Is.EqualTo("pw"));
            Assert.That(options.Celery.Redis.BufferBytes, Is.EqualTo(64L << 20));
        });
    }

    [Test]
    public void With_a_broker_url_the_emitters_events_are_still_consumed_from_rabbitmq()
    {
        Assert.That(Read(["--celery.enabled", "--celery.broker-url", "redis://redis", "--broker.url", "amqp://rabbit/"]).RabbitMqEvents, Is.True);
        Assert.That(Read(["--celery.enabled", "--celery.broker-url", "redis://redis"], new() { ["JOBEXPORTER_BROKER_URL"] = "amqp://rabbit/" }).RabbitMqEvents, Is.True);
        Assert.That(Read(["--celery.enabled"]).RabbitMqEvents, Is.True, "Celery on RabbitMQ");
    }

    [Test]
    public void The_password_from_the_environment_replaces_the_urls()
    {
        var options = Read(["--celery.enabled", "--celery.broker-url", "redis://:old@redis"], new() { ["JOBEXPORTER_CELERY_BROKER_PASSWORD"] = "new" });
        Assert.That(options.Celery.Redis!.EffectivePassword!.Reveal(), Is.EqualTo("new"));
    }

    [TestCase(new[] { "--celery.broker-url", "redis://redis" }, "--celery.broker-url needs --celery.enabled")]
    [TestCase(new[] { "--celery.enabled", "--celery.broker-url", "redis://redis", "--celery.broker-ca-file", "/nonexistent" },
        "--celery.broker-ca-file, --celery.broker-cert-file and --celery.broker-key-file need a rediss:// --celery.broker-url")]
    [TestCase(new[] { "--celery.enabled", "--celery.broker-url", "rediss://redis", "--celery.broker-cert-file", "/c.pem" },
        "--celery.broker-cert-file and --celery.broker-key-file go together")]
    [TestCase(new[] { "--celery.enabled", "--celery.broker-url", "rediss://redis", "--celery.broker-ca-file", "/nonexistent" },
        "--celery.broker-ca-file '/nonexistent' cannot be loaded")]
    [TestCase(new[] { "--celery.enabled", "--celery.broker-url", "redis://redis", "--celery.redis-buffer-bytes", "10" }, "--celery.redis-buffer-bytes '10' must be")]
    public void Bad_combinations_are_one_clear_flag_error(string[] args, string message)
    {
        var error = Assert.Throws<FlagException>(() => Read(args));
        Assert.That(error!.Message, Does.StartWith(message));
    }

    [Test]
    public void The_password_is_never_taken_from_the_command_line()
    {
        var error = Assert.Throws<FlagException>(() => Read(["--celery.broker-password", "x"]));
        Assert.That(error!.Message, Does.Contain("JOBEXPORTER_CELERY_BROKER_PASSWORD"));
    }
}
