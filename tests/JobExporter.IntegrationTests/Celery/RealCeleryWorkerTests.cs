using System.Diagnostics;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery;

/// <summary>Debian's python3-celery 5.2.6 worker, started with -E against the test RabbitMQ, and the exporter consuming its own events.</summary>
public class RealCeleryWorkerTests
{
    private const string App = "jobexporter_celery_app.";
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    private static async Task<ExporterProcess> StartExporterFor(CeleryWorker worker, params string[] args) =>
        await ExporterProcess.StartAsync(Broker, ["--celery.enabled", "--celery.exchange", worker.EventExchange,
            "--celery.queue", $"jobexporter.celery.{Guid.NewGuid():N}", "--systems", "celery", .. EventLane.New().ExporterArgs, .. args]);

    private static Task<MetricsSnapshot> WaitForWorkerUp(ExporterProcess exporter, CeleryWorker worker, double up) =>
        exporter.WaitForMetricsAsync(m => m.Value("jobs_worker_up", ("system", "celery"), ("hostname", worker.Hostname)) == up,
            TimeSpan.FromSeconds(90), $"worker_up of {worker.Hostname} = {up}\nWorker output:\n{worker.Output}");

    [Test]
    public async Task Real_tasks_that_succeed_fail_retry_get_rejected_and_revoked_show_exact_counts()
    {
        await using var worker = CeleryWorker.Start(Broker);
        await using var exporter = await StartExporterFor(worker, "--celery.exporter-names", "--rabbitmq.poll-interval", "1s");
        await WaitForWorkerUp(exporter, worker, 1);

        (string, string)[] On(string task) => [("system", "celery"), ("name", App + task), ("queue", worker.TaskQueue), ("hostname", worker.Hostname)];
        // Until a task-sent of a name came, a task-received of it that beats its own task-sent counts under queue
        // "unknown" (docs/celery.md): the first add goes alone, then the rest.
        await worker.SendTasksAsync(succeeding: 1, failing: 0, retriedTwice: 0, rejected: 0, revoked: 0);
        await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_sent_total", [("system", "celery"), ("name", App + "add")]) == 1,
            TimeSpan.FromSeconds(120), $"the first add\nWorker output:\n{worker.Output}");
        await worker.SendTasksAsync(succeeding: 4, failing: 2, retriedTwice: 1, rejected: 1, revoked: 1);

        var m = await exporter.WaitForMetricsAsync(mm =>
                mm.Value("jobs_succeeded_total", On("add")) == 5 && mm.Value("jobs_succeeded_total", On("flaky")) == 1
                && mm.Value("jobs_failed_total", On("fail")) == 2 && mm.Value("jobs_rejected_total", On("refuse")) == 1
                && mm.Value("jobs_revoked_total", On("add")) == 1
                && mm.Value("jobs_queue_consumers", ("system", "celery"), ("queue", worker.TaskQueue)) == 1,
            TimeSpan.FromSeconds(120), $"every task to end\nWorker output:\n{worker.Output}");
        TestContext.Out.WriteLine(string.Join("\n", m.Text.Split('\n').Where(l => l.StartsWith("jobs_") && l.Contains("celery") && !l.EndsWith(" 0"))));

        (string, string)[] Sent(string task) => [("system", "celery"), ("name", App + task), ("queue", worker.TaskQueue)];
        Assert.Multiple(() =>
        {
            // One add more was sent than ran: the revoked one.
            Assert.That(m.Value("jobs_sent_total", Sent("add")), Is.EqualTo(6));
            Assert.That(m.Value("jobs_received_total", On("add")), Is.EqualTo(5));
            Assert.That(m.Value("jobs_started_total", On("add")), Is.EqualTo(5));
            Assert.That(m.Value("jobs_succeeded_total", On("add")), Is.EqualTo(5));
            // Celery publishes task-sent after the task message itself, so the worker that drops a task revoked in advance can
            // send its task-revoked first: the exporter holds it until task-sent names the task.
            Assert.That(m.Value("jobs_revoked_total", On("add")), Is.EqualTo(1));
            Assert.That(m.Find("jobs_revoked_total", ("system", "celery"), ("name", "unknown")), Is.Empty);
            Assert.That(m.Value("jobs_sent_total", Sent("fail")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_started_total", On("fail")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_failed_total", [.. On("fail"), ("exception", "ValueError")]), Is.EqualTo(2));
            // Retried twice: three sends (the first and two retries), three runs, one success.
            Assert.That(m.Value("jobs_sent_total", Sent("flaky")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_started_total", On("flaky")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_retried_total", [.. On("flaky"), ("exception", "ConnectionError")]), Is.EqualTo(2));
            Assert.That(m.Value("jobs_succeeded_total", On("flaky")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_rejected_total", On("refuse")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_failed_total", On("refuse")), Is.EqualTo(0));
            Assert.That(m.Value("jobs_runtime_seconds_count", ("system", "celery"), ("outcome", "succeeded")), Is.EqualTo(6));
            Assert.That(m.Value("jobs_runtime_seconds_count", ("system", "celery"), ("outcome", "failed")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_wait_seconds_count", ("system", "celery")), Is.EqualTo(11), "every run waited: 5 add, 2 fail, 3 flaky, 1 refuse");
            Assert.That(m.Find("jobs_received_total", ("system", "celery"), ("name", "unknown")), Is.Empty);
            Assert.That(m.Value("jobs_workers_alive", ("system", "celery")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(0));
            // The same counts under celery-exporter's names, for celery-mixin dashboards during a migration.
            Assert.That(m.Value("celery_task_succeeded_total", ("name", App + "add"), ("hostname", "localhost"), ("queue_name", worker.TaskQueue)), Is.EqualTo(5));
            Assert.That(m.Value("celery_task_failed_total", ("name", App + "fail"), ("exception", "ValueError")), Is.EqualTo(2));
            Assert.That(m.Value("celery_worker_up", ("hostname", "localhost")), Is.EqualTo(1));
            // The task queue, learnt from the events, is polled like any other RabbitMQ queue: the worker consumes it.
            Assert.That(m.Value("jobs_queue_consumers", ("system", "celery"), ("queue", worker.TaskQueue)), Is.EqualTo(1));
            Assert.That(m.Value("celery_active_consumer_count", ("queue_name", worker.TaskQueue)), Is.EqualTo(1));
        });
        TestContext.Out.WriteLine($"Real worker counts: {string.Join(", ", m.All.Where(s => s.Name.EndsWith("_total") && s.Name.StartsWith("jobs_") && s.Labels.GetValueOrDefault("system") == "celery" && s.Value > 0 && !s.Name.Contains("exporter")).Select(s => $"{s.Name}{{{s.Labels.GetValueOrDefault("name")}}}={s.Value}"))}");
    }

    [Test]
    public async Task A_worker_killed_with_sigkill_goes_down_after_the_heartbeat_timeout()
    {
        await using var worker = CeleryWorker.Start(Broker, heartbeat: 2);
        await using var exporter = await StartExporterFor(worker);
        await WaitForWorkerUp(exporter, worker, 1);

        await worker.KillAsync();
        var killedAt = Stopwatch.StartNew();
        var m = await WaitForWorkerUp(exporter, worker, 0);

        // A SIGKILL sends no worker-offline: only silence past 3 x the 2 s heartbeat interval (6 s since the last heartbeat
        // the exporter took in) sets it down. Under load the last heartbeat may have come late, so the bound is loose.
        Assert.That(killedAt.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(1)));
        TestContext.Out.WriteLine($"Down {killedAt.Elapsed.TotalSeconds:F1} s after SIGKILL");
        Assert.That(m.Value("jobs_workers_alive", ("system", "celery")), Is.EqualTo(0));
    }

    [Test]
    public async Task A_worker_stopped_gracefully_goes_down_at_once_from_its_worker_offline()
    {
        await using var worker = CeleryWorker.Start(Broker, heartbeat: 30);
        await using var exporter = await StartExporterFor(worker);
        await WaitForWorkerUp(exporter, worker, 1);

        await worker.StopAsync();
        var stoppedAt = Stopwatch.StartNew();
        await WaitForWorkerUp(exporter, worker, 0);
        // Well under the 90 s timeout of a 30 s heartbeat: the offline event did it.
        Assert.That(stoppedAt.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)));
    }
}
