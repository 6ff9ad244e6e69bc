using System.Diagnostics;
using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery;

/// <summary>
/// Debian's python3-celery 5.2.6 worker, started with -E against a test Redis (each test its own redis-server), and the
/// exporter subscribed to its events as a Celery event receiver is, with no RabbitMQ configured at all.
/// </summary>
public class RealCeleryWorkerOnRedisTests
{
    private const string App = "jobexporter_celery_app.";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static async Task<ExporterProcess> StartExporterFor(RedisServer redis, CeleryWorker worker, params string[] args)
    {
        var port = FreePort.Next();
        return await ExporterProcess.StartWithArgsAsync(port, ["--web.listen-address", $"127.0.0.1:{port}", "--celery.enabled",
            "--celery.broker-url", redis.Url(), "--celery.exchange", worker.EventExchange, "--systems", "celery", .. args]);
    }

    private static Task<MetricsSnapshot> WaitForWorkerUp(ExporterProcess exporter, CeleryWorker worker, double up) =>
        exporter.WaitForMetricsAsync(m => m.Value("jobs_worker_up", ("system", "celery"), ("hostname", worker.Hostname)) == up,
            TimeSpan.FromSeconds(90), $"worker_up of {worker.Hostname} = {up}\nWorker output:\n{worker.Output}\nExporter output:\n{exporter.Output}");

    private static (string, string)[] On(CeleryWorker worker, string task) =>
        [("system", "celery"), ("name", App + task), ("queue", worker.TaskQueue), ("hostname", worker.Hostname)];

    private static (string, string)[] Sent(CeleryWorker worker, string task) => [("system", "celery"), ("name", App + task), ("queue", worker.TaskQueue)];

    /// <summary>Tasks of <paramref name="task"/> the worker logged as succeeded: what it did, whether or not the exporter heard.</summary>
    private static int SucceededInWorkerLog(CeleryWorker worker, string task) =>
        Regex.Matches(worker.Output, $@"Task {Regex.Escape(App + task)}\[[^\]]+\] succeeded").Count;

    [Test]
    public async Task Real_tasks_on_redis_that_succeed_fail_retry_get_rejected_and_revoked_show_the_same_exact_counts_as_on_rabbitmq()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var worker = CeleryWorker.StartOnRedis(redis.Url());
        await using var exporter = await StartExporterFor(redis, worker, "--celery.exporter-names");
        await WaitForWorkerUp(exporter, worker, 1);

        // Until a task-sent of a name came, a task-received of it that beats its own task-sent counts under queue
        // "unknown" (docs/celery.md): the first add goes alone, then the rest.
        await worker.SendTasksAsync(succeeding: 1, failing: 0, retriedTwice: 0, rejected: 0, revoked: 0);
        await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_sent_total", Sent(worker, "add")) == 1, Patience, "the first add");
        await worker.SendTasksAsync(succeeding: 4, failing: 2, retriedTwice: 1, rejected: 1, revoked: 1);

        var m = await exporter.WaitForMetricsAsync(mm =>
                mm.Value("jobs_succeeded_total", On(worker, "add")) == 5 && mm.Value("jobs_succeeded_total", On(worker, "flaky")) == 1
                && mm.Value("jobs_failed_total", On(worker, "fail")) == 2 && mm.Value("jobs_rejected_total", On(worker, "refuse")) == 1
                && mm.Value("jobs_revoked_total", On(worker, "add")) == 1,
            Patience, $"every task to end\nWorker output:\n{worker.Output}");
        var ready = await exporter.ReadyzAsync();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_sent_total", Sent(worker, "add")), Is.EqualTo(6));
            Assert.That(m.Value("jobs_received_total", On(worker, "add")), Is.EqualTo(5));
            Assert.That(m.Value("jobs_started_total", On(worker, "add")), Is.EqualTo(5));
            Assert.That(m.Value("jobs_succeeded_total", On(worker, "add")), Is.EqualTo(5));
            Assert.That(m.Value("jobs_revoked_total", On(worker, "add")), Is.EqualTo(1));
            Assert.That(m.Find("jobs_revoked_total", ("system", "celery"), ("name", "unknown")), Is.Empty);
            Assert.That(m.Value("jobs_sent_total", Sent(worker, "fail")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_started_total", On(worker, "fail")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_failed_total", [.. On(worker, "fail"), ("exception", "ValueError")]), Is.EqualTo(2));
            Assert.That(m.Value("jobs_sent_total", Sent(worker, "flaky")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_started_total", On(worker, "flaky")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_retried_total", [.. On(worker, "flaky"), ("exception", "ConnectionError")]), Is.EqualTo(2));
            Assert.That(m.Value("jobs_succeeded_total", On(worker, "flaky")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_rejected_total", On(worker, "refuse")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_failed_total", On(worker, "refuse")), Is.EqualTo(0));
            Assert.That(m.Value("jobs_runtime_seconds_count", ("system", "celery"), ("outcome", "succeeded")), Is.EqualTo(6));
            Assert.That(m.Value("jobs_runtime_seconds_count", ("system", "celery"), ("outcome", "failed")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_wait_seconds_count", ("system", "celery")), Is.EqualTo(11));
            Assert.That(m.Value("jobs_workers_alive", ("system", "celery")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(0));
            Assert.That(m.Value("celery_task_succeeded_total", ("name", App + "add"), ("hostname", "localhost"), ("queue_name", worker.TaskQueue)), Is.EqualTo(5));
            // No RabbitMQ: nothing of it is shown as down; the task queue is a Redis list, polled there (LLEN) once learnt.
            Assert.That(m.Has("jobs_exporter_broker_connected"), Is.False);
            Assert.That(m.Has("jobs_exporter_collector_success", ("collector", "rabbitmq")), Is.False);
            Assert.That(m.Value("jobs_exporter_celery_broker_connected"), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_celery_redis_dropped_total"), Is.EqualTo(0));
            Assert.That(m.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")), Is.EqualTo(0));
            Assert.That(ready, Is.EqualTo("200 ready\n"));
            Assert.That(exporter.Output, Does.Contain($"Subscribed to Celery's events (/0.{worker.EventExchange}/*"));
        });
    }

    [Test]
    public async Task A_redis_restart_mid_stream_is_counted_shown_in_readyz_and_what_comes_after_is_counted_exactly()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var worker = CeleryWorker.StartOnRedis(redis.Url());
        await using var exporter = await StartExporterFor(redis, worker);
        await WaitForWorkerUp(exporter, worker, 1);
        await worker.SendTasksAsync(succeeding: 3, failing: 0, retriedTwice: 0, rejected: 0, revoked: 0);
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_succeeded_total", On(worker, "add")) == 3, Patience, "the first tasks");

        await redis.StopAsync();
        var down = await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_broker_connected") == 0, Patience, "the subscription lost");
        var notReady = await exporter.ReadyzAsync();
        await redis.StartAgainAsync();
        var back = await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_broker_connected") == 1, Patience, "subscribed again");
        // The worker reconnects on its own; tasks sent once it consumes again are all counted.
        await worker.SendTasksAsync(succeeding: 2, failing: 1, retriedTwice: 0, rejected: 0, revoked: 0);
        var m = await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_succeeded_total", On(worker, "add")) >= 5
                && mm.Value("jobs_failed_total", [.. On(worker, "fail"), ("exception", "ValueError")]) >= 1,
            Patience, $"the tasks after the restart\nWorker output:\n{worker.Output}");

        Assert.Multiple(() =>
        {
            Assert.That(down.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")), Is.EqualTo(1));
            Assert.That(notReady, Does.StartWith("503 not ready: not subscribed to Celery events on Redis (redis://127.0.0.1:"));
            Assert.That(back.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")), Is.EqualTo(1),
                "failed attempts while Redis was down are not losses");
            Assert.That(m.Value("jobs_succeeded_total", On(worker, "add")), Is.EqualTo(5));
            Assert.That(m.Value("jobs_sent_total", Sent(worker, "add")), Is.EqualTo(5));
            Assert.That(m.Value("jobs_failed_total", [.. On(worker, "fail"), ("exception", "ValueError")]), Is.EqualTo(1));
            Assert.That(m.Value("jobs_worker_up", ("system", "celery"), ("hostname", worker.Hostname)), Is.EqualTo(1));
            Assert.That(exporter.Output, Does.Contain("Lost the subscription to Celery's events"));
        });
    }

    [Test]
    public async Task Redis_cutting_the_exporter_off_is_a_counted_reconnect_and_the_next_events_count()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var worker = CeleryWorker.StartOnRedis(redis.Url());
        await using var exporter = await StartExporterFor(redis, worker);
        await WaitForWorkerUp(exporter, worker, 1);

        // What Redis does to a subscriber past client-output-buffer-limit pubsub: it closes the connection.
        var killed = await redis.KillClientsAsync("jobexporter-celery");
        var back = await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")) == 1
            && m.Value("jobs_exporter_celery_broker_connected") == 1, Patience, "the exporter subscribed again");
        await worker.SendTasksAsync(succeeding: 2, failing: 0, retriedTwice: 0, rejected: 0, revoked: 0);
        var m = await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_succeeded_total", On(worker, "add")) == 2, Patience, "the tasks after");
        Assert.Multiple(() =>
        {
            Assert.That(killed, Is.EqualTo(1), "the exporter's one connection, named by CLIENT SETNAME");
            Assert.That(m.Value("jobs_sent_total", Sent(worker, "add")), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task An_exporter_paused_past_redis_pubsub_output_limit_is_cut_off_and_subscribes_again_when_it_resumes()
    {
        await using var redis = await RedisServer.StartAsync();
        var port = FreePort.Next();
        await using var exporter = await ExporterProcess.StartWithArgsAsync(port, ["--web.listen-address", $"127.0.0.1:{port}", "--celery.enabled",
            "--celery.broker-url", redis.Url()]);
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_broker_connected") == 1, Patience, "subscribed");

        // Stopped (SIGSTOP), it reads nothing: Redis holds what it cannot send, up to 32 MB, then closes the connection.
        exporter.Pause();
        var published = 0;
        var megabyte = new string('x', 1 << 20);
        try
        {
            while (await redis.PublishAsync("/0.celeryev/task.sent", megabyte) == 1)
            {
                if (++published > 200) Assert.Fail("Redis never cut the paused exporter off");
            }
        }
        finally
        {
            exporter.Resume();
        }
        TestContext.Out.WriteLine($"Redis cut the paused exporter off after {published} MB");
        var m = await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")) == 1
            && mm.Value("jobs_exporter_celery_broker_connected") == 1, Patience, "subscribed again");
        // Ready once subscribed again. One fresh-check run in three read a 503 just after the scrape above said subscribed
        // (cause not found yet): what /readyz said on the way is printed, and the test waits for it to be ready.
        var notReady = new List<string>();
        await exporter.WaitUntilAsync(async () =>
        {
            var readyz = await exporter.ReadyzAsync();
            if (readyz != "200 ready\n") notReady.Add(readyz);
            return readyz == "200 ready\n";
        }, Patience, "/readyz to say ready", () => string.Join("", notReady) + exporter.Output);
        TestContext.Out.WriteLine($"/readyz before ready: {(notReady.Count == 0 ? "(ready at once)" : string.Join(" | ", notReady.Distinct()))}");
        var after = await exporter.ScrapeAsync();
        TestContext.Out.WriteLine("reconnects: " + string.Join(", ", new[] { "connection_lost", "unresponsive", "protocol_error" }
            .Select(r => $"{r} {after.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", r))}")));
        Assert.Multiple(() =>
        {
            Assert.That(published, Is.GreaterThan(8), "more than the kernel's socket buffers hold");
            Assert.That(redis.Output, Does.Contain("output buffer limits"));
            Assert.That(exporter.Output, Does.Contain("Lost the subscription to Celery's events"));
            Assert.That(after.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")), Is.EqualTo(1), "one cut-off, counted once");
            // What it read before the cut: messages past --events.max-message-bytes, rejected one by one.
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "too_large")), Is.LessThanOrEqualTo(published));
        });
    }

    [Test]
    public async Task After_an_exporter_restart_the_events_published_while_it_was_away_are_lost_and_the_next_ones_count()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var worker = CeleryWorker.StartOnRedis(redis.Url());
        var first = await StartExporterFor(redis, worker);
        await WaitForWorkerUp(first, worker, 1);
        await worker.SendTasksAsync(succeeding: 2, failing: 0, retriedTwice: 0, rejected: 0, revoked: 0);
        await first.WaitForMetricsAsync(m => m.Value("jobs_succeeded_total", On(worker, "add")) == 2, Patience, "the first tasks");
        await first.DisposeAsync();

        // Away: the worker runs 3 more, whose events nobody receives.
        await worker.SendTasksAsync(succeeding: 3, failing: 0, retriedTwice: 0, rejected: 0, revoked: 0);
        await WaitFor(() => SucceededInWorkerLog(worker, "add") == 5, "the worker to run the tasks sent while the exporter was away", worker);

        await using var second = await StartExporterFor(redis, worker);
        await WaitForWorkerUp(second, worker, 1);
        var ready = await second.ReadyzAsync();
        await worker.SendTasksAsync(succeeding: 4, failing: 0, retriedTwice: 0, rejected: 0, revoked: 0);
        await WaitFor(() => SucceededInWorkerLog(worker, "add") == 9, "the worker to run the last tasks", worker);
        var m = await second.WaitForMetricsAsync(mm => mm.Value("jobs_succeeded_total", On(worker, "add")) >= 4, Patience, "the last tasks");
        Assert.Multiple(() =>
        {
            Assert.That(ready, Is.EqualTo("200 ready\n"));
            // Pub/sub keeps nothing for a receiver that is away: only what was published after it subscribed counts.
            Assert.That(m.Value("jobs_succeeded_total", On(worker, "add")), Is.EqualTo(4));
            Assert.That(m.Value("jobs_sent_total", Sent(worker, "add")), Is.EqualTo(4));
            Assert.That(m.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")), Is.EqualTo(0));
        });
    }

    [Test]
    public async Task A_worker_on_redis_killed_with_sigkill_goes_down_after_the_heartbeat_timeout()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var worker = CeleryWorker.StartOnRedis(redis.Url(), heartbeat: 2);
        await using var exporter = await StartExporterFor(redis, worker);
        await WaitForWorkerUp(exporter, worker, 1);

        await worker.KillAsync();
        var killedAt = Stopwatch.StartNew();
        var m = await WaitForWorkerUp(exporter, worker, 0);
        TestContext.Out.WriteLine($"Down {killedAt.Elapsed.TotalSeconds:F1} s after SIGKILL");
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_workers_alive", ("system", "celery")), Is.EqualTo(0));
            Assert.That(m.Value("jobs_worker_timed_out", ("system", "celery"), ("hostname", worker.Hostname)), Is.EqualTo(1), "silence, not a worker-offline");
        });
    }

    private static Task WaitFor(Func<bool> condition, string what, CeleryWorker worker) =>
        Waiting.UntilAsync(condition, what, Patience, () => $"Worker output:\n{worker.Output}", TimeSpan.FromMilliseconds(100));
}
