using System.Text;
using System.Text.Json.Nodes;
using JobExporter.Celery;
using JobExporter.Configuration;
using JobExporter.Contracts;

namespace JobExporter.Tests.Celery;

public class KombuEnvelopeTests
{
    /// <summary>kombu's envelope as its Redis transport publishes it (prepare_message, then _inplace_augment_message).</summary>
    private static string Envelope(string body, string? contentType = CeleryFeed.Json, string? bodyEncoding = "base64", string routingKey = "task.sent") =>
        new JsonObject
        {
            ["body"] = bodyEncoding == "base64" ? Convert.ToBase64String(Encoding.UTF8.GetBytes(body)) : body,
            ["content-encoding"] = "utf-8",
            ["content-type"] = contentType,
            ["headers"] = new JsonObject { ["hostname"] = "celery@worker-1" },
            ["properties"] = new JsonObject
            {
                ["delivery_mode"] = 1,
                ["delivery_info"] = new JsonObject { ["exchange"] = "celeryev", ["routing_key"] = routingKey },
                ["priority"] = 0,
                ["body_encoding"] = bodyEncoding,
                ["delivery_tag"] = "a0c6cd05-a0b3-4c5e-bd5c-5d5d7a8d2b1c",
            },
        }.ToJsonString();

    private static (string Body, string? ContentType) Read(string envelope)
    {
        Assert.That(KombuEnvelope.TryRead(Encoding.UTF8.GetBytes(envelope), out var message, out var reason), Is.True, reason);
        var result = (Encoding.UTF8.GetString(message.Body), message.ContentType);
        message.Return();
        return result;
    }

    [Test]
    public void The_base64_body_and_content_type_come_out_as_the_amqp_message_carries_them()
    {
        var body = """{"hostname": "celery@w", "type": "worker-heartbeat", "timestamp": 1.5, "freq": 2.0}""";
        Assert.That(Read(Envelope(body)), Is.EqualTo((body, CeleryFeed.Json)));
    }

    [Test]
    public void A_body_without_body_encoding_is_the_text_itself()
    {
        var body = """[{"type": "task-started"}]""";
        Assert.That(Read(Envelope(body, bodyEncoding: null)), Is.EqualTo((body, CeleryFeed.Json)));
    }

    [TestCase("not json")]
    [TestCase("[1, 2]")]
    [TestCase("""{"content-type": "application/json"}""")]
    [TestCase("""{"body": 12, "properties": {"body_encoding": "base64"}}""")]
    [TestCase("""{"body": "!!!not base64!!!", "properties": {"body_encoding": "base64"}}""")]
    [TestCase("""{"body": "e30=", "properties": {"body_encoding": "zlib"}}""")]
    [TestCase("""{"body": "e30=", "properties": []}""")]
    [TestCase("""{"body": "e30=", "body": "e30=", "properties": {"body_encoding": "base64"}}""")]
    [TestCase("""{"body": "e30=", "properties": {"body_encoding": "base64"}""")]
    public void What_is_not_kombus_envelope_is_a_bad_envelope(string data)
    {
        Assert.That(KombuEnvelope.TryRead(Encoding.UTF8.GetBytes(data), out _, out var reason), Is.False);
        Assert.That(reason, Is.EqualTo(CeleryInvalidReasons.BadEnvelope));
    }

    [Test]
    public void Recorded_redis_messages_of_a_real_worker_give_the_same_metrics_as_their_bodies_on_rabbitmq()
    {
        // Recorded from Debian's celery 5.2.6 / kombu 5.2.4 worker on redis-server 7 (PSUBSCRIBE /0.celeryev/*): channel and data.
        var lines = File.ReadLines(CeleryFeed.SamplePath("redis-pubsub-messages.jsonl")).Where(l => l.Length > 0).ToList();
        var fromRedis = new CeleryFeed();
        var fromRabbitMq = new CeleryFeed();
        foreach (var line in lines)
        {
            var recorded = JsonNode.Parse(line)!.AsObject();
            var envelope = JsonNode.Parse((string)recorded["data"]!)!.AsObject();
            Assert.That((string)recorded["channel"]!, Is.EqualTo("/0.celeryev/" + (string)envelope["properties"]!["delivery_info"]!["routing_key"]!));
            var (body, contentType) = Read((string)recorded["data"]!);
            fromRedis.Receive(body, contentType);
            // The same event as the RabbitMQ source gets it: the body and content_type of the AMQP message.
            fromRabbitMq.Receive(Encoding.UTF8.GetString(Convert.FromBase64String((string)envelope["body"]!)), (string?)envelope["content-type"]);
        }
        var m = fromRedis.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Text, Is.EqualTo(fromRabbitMq.Scrape().Text));
            Assert.That(m.Value("jobs_succeeded_total", ("system", "celery"), ("name", "jobexporter_celery_app.add"), ("queue", "celery"), ("hostname", "w1@localhost")),
                Is.EqualTo(2));
            Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(0));
        });
    }

    [Test]
    public void The_samples_wrapped_as_kombu_wraps_them_give_the_same_metrics_as_the_amqp_messages()
    {
        foreach (var file in new[] { "sample-events.jsonl", "sample-events-multi.jsonl" })
        {
            var fromRedis = new CeleryFeed();
            var fromRabbitMq = new CeleryFeed();
            foreach (var line in File.ReadLines(CeleryFeed.SamplePath(file)).Where(l => l.Length > 0))
            {
                var message = JsonNode.Parse(line)!.AsObject();
                var body = message["body"]!.ToJsonString();
                var contentType = (string?)message["content_type"];
                fromRabbitMq.Receive(body, contentType);
                var (unwrapped, unwrappedType) = Read(Envelope(body, contentType, routingKey: (string)message["routing_key"]!));
                fromRedis.Receive(unwrapped, unwrappedType);
            }
            Assert.That(fromRedis.Scrape().Text, Is.EqualTo(fromRabbitMq.Scrape().Text), file);
        }
    }

    [Test]
    public void Kombus_channel_patterns_escape_glob_characters_of_the_exchange()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CeleryRedisSubscriber.PatternsFor(0, "celeryev"), Is.EqualTo(new[] { "/0.celeryev/*", "/0.celeryev" }));
            Assert.That(CeleryRedisSubscriber.PatternsFor(3, "ev*[1]?"), Is.EqualTo(new[] { @"/3.ev\*\[1\]\?/*", @"/3.ev\*\[1\]\?" }));
        });
    }

    [TestCase("redis://localhost", "localhost", 6379, 0, false, null, null)]
    [TestCase("rediss://:s%40cret@redis.example:6380/2", "redis.example", 6380, 2, true, null, "s@cret")]
    [TestCase("redis://exporter:pw@10.0.0.1/15", "10.0.0.1", 6379, 15, false, "exporter", "pw")]
    public void Redis_urls_read_as_celery_reads_them(string text, string host, int port, int db, bool tls, string? user, string? password)
    {
        var url = JobExporter.Redis.RedisUrl.Parse(text, Flags.CeleryBrokerUrl);
        Assert.That((url.Host, url.Port, url.Database, url.Tls, url.User, url.Password?.Reveal()), Is.EqualTo((host, port, db, tls, user, password)));
        Assert.That(url.Redacted, Does.Not.Contain("pw").And.Not.Contain("cret"));
    }

    [TestCase("amqp://localhost/")]
    [TestCase("redis://localhost/db")]
    [TestCase("redis://localhost/0?ssl_cert_reqs=none")]
    [TestCase("sentinel://localhost:26379")]
    public void Other_urls_are_a_flag_error_that_does_not_repeat_them(string text)
    {
        var error = Assert.Throws<FlagException>(() => JobExporter.Redis.RedisUrl.Parse(text, Flags.CeleryBrokerUrl));
        Assert.That(error!.Message, Does.StartWith("--celery.broker-url"));
    }
}
