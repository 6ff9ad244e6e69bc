using System.Globalization;
using System.Text;
using JobExporter.Contracts;
using JobExporter.IntegrationTests.Celery;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>
/// Values the wire can carry but no real sender would (an interval of 1e12 s, a field nested 10 deep, a timestamp of
/// 1e308), sent to the real binary inside batches of good events, on our exchange and on Celery's: each bad event is
/// rejected alone and counted by reason, and every good event around it counts.
/// </summary>
public class HostileValuesTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    [Test]
    public async Task An_interval_too_large_for_a_timeout_rejects_its_own_event_and_not_the_rest_of_the_batch()
    {
        await using var lanes = await BothLanes.StartAsync(Broker);
        var f = new EventFactory("hangfire", "web-1");
        JobEvent Succeeded(string name) => f.Job(EventType.JobSucceeded, name, "default") with { Runtime = 0.5 };
        var backlog = new BacklogSnapshot { Queues = [new BacklogQueue("default", 4)] };
        JobEvent[] hostile =
        [
            f.Worker(EventType.WorkerHeartbeat, TimeSpan.FromSeconds(10), active: 1) with { Interval = 1e12 },
            f.Backlog(backlog, TimeSpan.FromSeconds(15)) with { Interval = 1e12 },
            f.Backlog(backlog, TimeSpan.FromSeconds(15)) with { Interval = 3e11 },
        ];
        foreach (var e in hostile) await lanes.Ours.PublishAsync(EventJson.SerializeBatch([Succeeded("Before.Job"), e, Succeeded("After.Job")]));
        await lanes.Celery.PublishAsync("task.multi", Celery.Multi(
            Celery.Sent("c-before"),
            """{"type": "worker-heartbeat", "hostname": "celery@w1", "timestamp": 1795501685.5, "freq": 1e12, "active": 0}""",
            Celery.Sent("c-after")));

        var m = await lanes.WaitForEndMarkersAsync();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_succeeded_total", ("name", "Before.Job")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_succeeded_total", ("name", "After.Job")), Is.EqualTo(3), "the events after the bad one");
            Assert.That(m.Value("jobs_sent_total", ("system", "celery"), ("name", Celery.GoodName)), Is.EqualTo(2));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "invalid_value")), Is.EqualTo(4));
            Assert.That(m.Has("jobs_worker_up", ("hostname", "web-1")), Is.False, "the rejected heartbeat set no worker up");
            Assert.That(lanes.Exporter.Output, Does.Not.Contain("fail:"), "nothing logged as failed");
        });
    }

    [Test]
    public async Task An_event_nested_too_deep_rejects_only_itself_and_not_the_rest_of_the_batch()
    {
        await using var lanes = await BothLanes.StartAsync(Broker);
        var f = new EventFactory("hangfire", "web-1");
        JobEvent Sent(string name) => f.Job(EventType.JobSent, name, "default");
        // A job-sent event that is good but for one unknown field nested 10 deep (the limit is 8, a batch takes 2).
        var good = Encoding.UTF8.GetString(EventJson.Serialize(Sent("Deep.Job")));
        var deep = good[..^1] + ",\"extra\":" + Nested(10) + "}";
        var batch = "[" + string.Join(",", Encoding.UTF8.GetString(EventJson.Serialize(Sent("A.Job"))), Encoding.UTF8.GetString(EventJson.Serialize(Sent("A.Job"))),
            deep, Encoding.UTF8.GetString(EventJson.Serialize(Sent("B.Job"))), Encoding.UTF8.GetString(EventJson.Serialize(Sent("B.Job"))),
            Encoding.UTF8.GetString(EventJson.Serialize(Sent("B.Job")))) + "]";
        await lanes.Ours.PublishAsync(batch);
        // Celery allows 16 levels; a task-multi list whose third event holds 20.
        var celeryDeep = $$"""{"type": "task-sent", "uuid": "c-deep", "name": "{{Celery.GoodName}}", "queue": "q", "hostname": "gen1@web-1", "timestamp": 1795501685.5, "kwargs": {{Nested(20)}}}""";
        await lanes.Celery.PublishAsync("task.multi", Celery.Multi(Celery.Sent("c1"), Celery.Sent("c2"), celeryDeep, Celery.Sent("c3"), Celery.Sent("c4"), Celery.Sent("c5")));

        var m = await lanes.WaitForEndMarkersAsync();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_sent_total", ("name", "A.Job")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_sent_total", ("name", "B.Job")), Is.EqualTo(3), "the events after the deep one");
            Assert.That(m.Value("jobs_sent_total", ("name", "Deep.Job")) ?? 0, Is.EqualTo(0));
            Assert.That(m.Value("jobs_sent_total", ("system", "celery"), ("name", Celery.GoodName)), Is.EqualTo(5));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "too_deep")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(2), "nothing else rejected");
        });
    }

    [Test]
    public async Task Timestamps_and_runtimes_out_of_bounds_are_rejected_and_neither_freeze_a_worker_nor_break_a_histogram()
    {
        await using var lanes = await BothLanes.StartAsync(Broker);
        var f = new EventFactory("hangfire", "web-7");
        var interval = TimeSpan.FromSeconds(10);
        // A worker comes up, one heartbeat claims a time of 1e308, then the worker beats 8 times and says goodbye.
        List<JobEvent> events = [f.Worker(EventType.WorkerOnline, interval)];
        events.Add(f.Worker(EventType.WorkerHeartbeat, interval, active: 999) with { Ts = 1e308 });
        events.AddRange(Enumerable.Range(0, 8).Select(_ => f.Worker(EventType.WorkerHeartbeat, interval, active: 2)));
        events.Add(f.Worker(EventType.WorkerOffline, interval, active: 0));
        // Runtimes: 1e308 twice would make the histogram's sum infinite; one good runtime of 1.5 s.
        events.Add(f.Job(EventType.JobSucceeded, "Runtime.Job", "default") with { Runtime = 1e308 });
        events.Add(f.Job(EventType.JobSucceeded, "Runtime.Job", "default") with { Runtime = 1e308 });
        events.Add(f.Job(EventType.JobSucceeded, "Runtime.Job", "default") with { Runtime = 1.5 });
        foreach (var e in events) await lanes.Ours.PublishAsync(EventJson.Serialize(e));

        // Celery: runtimes computed from timestamps. t1 started in 2001 (25 years), t2 succeeded at 1e308, t3 ran 2 s.
        const double now = 1795501685.5;
        (string Uuid, double Started, double Succeeded)[] tasks = [("t1", 1e9, now), ("t2", now, 1e308), ("t3", now, now + 2)];
        foreach (var (uuid, started, succeeded) in tasks)
        {
            await lanes.Celery.PublishAsync("task.sent", Encoding.UTF8.GetBytes(Celery.Sent(uuid, "app.timed")));
            await lanes.Celery.PublishAsync("task.started", Encoding.UTF8.GetBytes(Celery.Event("task-started", uuid, started)));
            await lanes.Celery.PublishAsync("task.succeeded", Encoding.UTF8.GetBytes(Celery.Event("task-succeeded", uuid, succeeded)));
        }

        var m = await lanes.WaitForEndMarkersAsync();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_worker_up", ("hostname", "web-7")), Is.EqualTo(0), "the worker said goodbye");
            Assert.That(m.Value("jobs_worker_active", ("hostname", "web-7")), Is.EqualTo(0));
            Assert.That(m.Value("jobs_runtime_seconds_sum", ("name", "Runtime.Job")), Is.EqualTo(1.5));
            Assert.That(m.Value("jobs_runtime_seconds_count", ("name", "Runtime.Job")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_runtime_seconds_sum", ("name", "app.timed")), Is.EqualTo(2).Within(1e-6));
            Assert.That(m.Value("jobs_runtime_seconds_count", ("name", "app.timed")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "invalid_value")), Is.EqualTo(5), "1 heartbeat, 2 runtimes, 2 Celery tasks");
        });
    }

    internal static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

    /// <summary>Celery events in the form Celery sends them.</summary>
    internal static class Celery
    {
        public const string GoodName = "app.good";

        public static string Sent(string uuid, string name = GoodName) =>
            $$"""{"type": "task-sent", "uuid": "{{uuid}}", "name": "{{name}}", "queue": "q", "hostname": "gen1@web-1", "timestamp": 1795501685.5}""";

        public static string Event(string type, string uuid, double timestamp) =>
            $$"""{"type": "{{type}}", "uuid": "{{uuid}}", "hostname": "celery@w1", "timestamp": {{timestamp.ToString("R", CultureInfo.InvariantCulture)}}}""";

        public static byte[] Multi(params string[] events) => Encoding.UTF8.GetBytes("[" + string.Join(", ", events) + "]");
    }
}
