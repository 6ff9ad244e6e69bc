using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery;

/// <summary>
/// The two ways the Redis source loses events on its own side, each counted and shown: a message that does not fit in
/// --celery.redis-buffer-bytes is dropped, and a Redis that stops answering PING is left and subscribed to again.
/// </summary>
public class CeleryOnRedisLossTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static async Task<ExporterProcess> StartExporter(RedisServer redis, params string[] args)
    {
        var port = FreePort.Next();
        var exporter = await ExporterProcess.StartWithArgsAsync(port, ["--web.listen-address", $"127.0.0.1:{port}", "--celery.enabled",
            "--celery.broker-url", redis.Url(), .. args]);
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_broker_connected") == 1, Patience, $"subscribed\n{exporter.Output}");
        return exporter;
    }

    private static Task<MetricsSnapshot> WaitForWorkerUp(ExporterProcess exporter, string hostname) =>
        exporter.WaitForMetricsAsync(m => m.Value("jobs_worker_up", ("system", "celery"), ("hostname", hostname)) == 1, Patience,
            $"the heartbeat of {hostname} applied\n{exporter.Output}");

    [Test]
    public async Task A_message_larger_than_the_free_buffer_is_dropped_and_counted_and_the_events_around_it_are_applied()
    {
        await using var redis = await RedisServer.StartAsync();
        // The smallest buffer allowed (1 MiB), and messages up to 4 MiB read: a 2 MiB message is read whole and cannot be held.
        await using var small = await StartExporter(redis, "--celery.redis-buffer-bytes", "1048576", "--events.max-message-bytes", "4194304");
        // The same messages to an exporter with the default buffer: what the small buffer drops is a good event.
        await using var roomy = await StartExporter(redis, "--events.max-message-bytes", "4194304");

        Assert.That(await redis.PublishAsync("/0.celeryev/worker.heartbeat", KombuRedisMessages.Heartbeat("celery@before")), Is.EqualTo(2));
        await WaitForWorkerUp(small, "celery@before");
        Assert.That(await redis.PublishAsync("/0.celeryev/worker.heartbeat", KombuRedisMessages.Heartbeat("celery@large", paddingBytes: 1_500_000)), Is.EqualTo(2));
        await WaitForWorkerUp(roomy, "celery@large");
        Assert.That(await redis.PublishAsync("/0.celeryev/worker.heartbeat", KombuRedisMessages.Heartbeat("celery@after")), Is.EqualTo(2));
        var m = await WaitForWorkerUp(small, "celery@after");
        var roomyMetrics = await roomy.ScrapeAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(m.Value("jobs_exporter_celery_redis_dropped_total"), Is.EqualTo(1));
            Assert.That(m.Has("jobs_worker_up", ("hostname", "celery@large")), Is.False, "the dropped heartbeat is not applied");
            Assert.That(m.Value("jobs_worker_up", ("system", "celery"), ("hostname", "celery@before")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(0), "dropped for room, not rejected as bad");
            Assert.That(m.Value("jobs_exporter_celery_redis_buffered_bytes"), Is.EqualTo(0), "the dropped message holds no room");
            Assert.That(m.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")), Is.EqualTo(0));
            Assert.That(roomyMetrics.Value("jobs_exporter_celery_redis_dropped_total"), Is.EqualTo(0));
            Assert.That(roomyMetrics.Value("jobs_worker_up", ("system", "celery"), ("hostname", "celery@after")), Is.EqualTo(1));
            Assert.That(await small.ReadyzAsync(), Is.EqualTo("200 ready\n"));
        });
    }

    [Test]
    public async Task A_redis_that_stops_answering_is_left_as_unresponsive_shown_in_readyz_and_subscribed_to_again_when_it_answers()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var exporter = await StartExporter(redis);

        // Frozen (SIGSTOP), Redis keeps its sockets open and answers nothing: only the unanswered PING tells.
        redis.Pause();
        var notReady = "";
        MetricsSnapshot lost;
        try
        {
            // Kept from the answer that said so: the next failed attempt (10 s later) replaces the reason by its own.
            await exporter.WaitUntilAsync(async () => (notReady = await exporter.ReadyzAsync()).Contains("unresponsive", StringComparison.Ordinal), Patience,
                "/readyz to report the unanswered PING", () => exporter.Output);
            lost = await exporter.ScrapeAsync();
        }
        finally
        {
            redis.Resume();
        }
        var back = await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_broker_connected") == 1, Patience,
            $"subscribed again after SIGCONT\n{exporter.Output}");
        Assert.That(await redis.PublishAsync("/0.celeryev/worker.heartbeat", KombuRedisMessages.Heartbeat("celery@after-pause")), Is.EqualTo(1));
        await WaitForWorkerUp(exporter, "celery@after-pause");

        Assert.Multiple(async () =>
        {
            Assert.That(notReady, Does.StartWith($"503 not ready: not subscribed to Celery events on Redis (redis://127.0.0.1:{redis.Port}/0: unresponsive (no answer to PING in 15 s)"));
            Assert.That(lost.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "unresponsive")), Is.EqualTo(1));
            Assert.That(lost.Value("jobs_exporter_celery_broker_connected"), Is.EqualTo(0));
            Assert.That(back.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "unresponsive")), Is.EqualTo(1),
                "failed attempts while Redis was frozen are not losses");
            Assert.That(back.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")), Is.EqualTo(0));
            Assert.That(exporter.Output, Does.Contain("unresponsive (no answer to PING in 15 s)"));
            Assert.That(await exporter.ReadyzAsync(), Is.EqualTo("200 ready\n"));
        });
    }
}
