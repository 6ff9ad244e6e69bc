using JobExporter.Contracts;

namespace JobExporter.Tests.Aggregation;

/// <summary>Backlog snapshots from emitters (storage-backlog), as the exporter keeps them: the latest per (system, queue).</summary>
public class BacklogSnapshotTests
{
    private int _ids;

    private JobEvent Snapshot(TestExporter exporter, string host, double interval, params (string Queue, long Length)[] queues) => new()
    {
        Type = EventType.StorageBacklog,
        Id = $"b{++_ids}",
        Ts = exporter.Now,
        System = "hangfire",
        Hostname = host,
        Interval = interval,
        Backlog = new BacklogSnapshot
        {
            Queues = queues.Select(q => new BacklogQueue(q.Queue, q.Length, Fetched: 1)).ToArray(),
            Jobs = new Dictionary<string, long> { ["enqueued"] = queues.Sum(q => q.Length), ["scheduled"] = 2, ["made-up"] = 7 },
            Servers = 3,
        },
    };

    private static (string, string)[] Queue(string name) => [("system", "hangfire"), ("queue", name)];

    [Test]
    public void Three_workers_reporting_one_storage_give_one_value_per_queue_not_their_sum()
    {
        var exporter = new TestExporter();
        foreach (var host in new[] { "w1", "w2", "w3" }) exporter.Apply(Snapshot(exporter, host, 15, ("default", 6), ("critical", 2)));
        var m = exporter.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Find("jobs_queue_length", Queue("default")).Select(s => s.Value), Is.EqualTo(new[] { 6.0 }));
            Assert.That(m.Find("jobs_queue_length", Queue("critical")).Select(s => s.Value), Is.EqualTo(new[] { 2.0 }));
            Assert.That(m.Value("jobs_queue_fetched", Queue("default")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_hangfire_jobs", ("state", "enqueued")), Is.EqualTo(8));
            Assert.That(m.Value("jobs_hangfire_servers"), Is.EqualTo(3));
            Assert.That(m.Has("jobs_hangfire_jobs", ("state", "made-up")), Is.False, "only the reader's known states become series");
            Assert.That(m.Has("jobs_queue_oldest_age_seconds", Queue("default")), Is.False, "no age was carried");
            Assert.That(m.Value("jobs_exporter_events_total", ("system", "hangfire"), ("type", "storage-backlog")), Is.EqualTo(3));
        });
    }

    [Test]
    public void The_latest_snapshot_to_arrive_wins_but_an_older_one_from_the_same_worker_is_dropped()
    {
        var exporter = new TestExporter();
        var older = Snapshot(exporter, "w1", 15, ("default", 9));
        exporter.Advance(TimeSpan.FromSeconds(5));
        exporter.Apply(Snapshot(exporter, "w1", 15, ("default", 4)));
        exporter.Apply(older);
        Assert.That(exporter.Scrape().Value("jobs_queue_length", Queue("default")), Is.EqualTo(4), "a redelivered older snapshot of w1");

        // Another worker's clock may be behind: arrival decides between workers.
        exporter.Apply(Snapshot(exporter, "w2", 15, ("default", 3)) with { Ts = exporter.Now - 60 });
        Assert.That(exporter.Scrape().Value("jobs_queue_length", Queue("default")), Is.EqualTo(3));
    }

    [Test]
    public void A_queue_no_snapshot_named_for_three_intervals_loses_its_series_exactly_then()
    {
        var exporter = new TestExporter();
        exporter.Apply(Snapshot(exporter, "w1", 10, ("default", 5), ("reports", 1)));
        exporter.Advance(TimeSpan.FromSeconds(10));
        exporter.Apply(Snapshot(exporter, "w1", 10, ("default", 5)));

        exporter.Advance(TimeSpan.FromSeconds(20) - TimeSpan.FromMilliseconds(1));
        var before = exporter.Scrape();
        Assert.That(before.Value("jobs_queue_length", Queue("reports")), Is.EqualTo(1), "one millisecond before three intervals");

        exporter.Advance(TimeSpan.FromMilliseconds(1));
        var after = exporter.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(after.Has("jobs_queue_length", Queue("reports")), Is.False);
            Assert.That(after.Has("jobs_queue_fetched", Queue("reports")), Is.False);
            Assert.That(after.Value("jobs_queue_length", Queue("default")), Is.EqualTo(5));
        });

        exporter.Advance(TimeSpan.FromSeconds(10));
        var stale = exporter.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(stale.Has("jobs_queue_length", Queue("default")), Is.False);
            Assert.That(stale.Has("jobs_hangfire_jobs"), Is.False);
            Assert.That(stale.Has("jobs_hangfire_servers"), Is.False);
        });

        exporter.Apply(Snapshot(exporter, "w2", 10, ("default", 2)));
        var back = exporter.Scrape();
        Assert.That(back.Value("jobs_queue_length", Queue("default")), Is.EqualTo(2));
        Assert.That(back.Value("jobs_hangfire_servers"), Is.EqualTo(3));
    }

    [Test]
    public void With_the_sql_reader_on_hangfire_snapshots_are_counted_but_not_applied()
    {
        var exporter = new TestExporter(null, "--hangfire.postgres", "Host=127.0.0.1;Username=x");
        exporter.Apply(Snapshot(exporter, "w1", 15, ("default", 6)));
        var m = exporter.Scrape();
        Assert.That(m.Has("jobs_queue_length", Queue("default")), Is.False);
        Assert.That(m.Value("jobs_exporter_events_total", ("system", "hangfire"), ("type", "storage-backlog")), Is.EqualTo(1));
    }

    [Test]
    public void Backlog_failures_travel_in_the_heartbeat()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat) with { BacklogFailures = 4 });
        Assert.That(exporter.Scrape().Value("jobs_emitter_backlog_failures", ("system", "hangfire"), ("hostname", "worker-1")), Is.EqualTo(4));
    }

    [Test]
    public void A_snapshot_round_trips_through_the_wire_form()
    {
        var exporter = new TestExporter();
        var sent = Snapshot(exporter, "w1", 15, ("default", 6), ("critical", 0));
        exporter.Receive(EventJson.Serialize(sent));
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_queue_length", Queue("default")), Is.EqualTo(6));
        Assert.That(m.Value("jobs_queue_length", Queue("critical")), Is.EqualTo(0));
        Assert.That(m.Value("jobs_hangfire_jobs", ("state", "scheduled")), Is.EqualTo(2));
    }

    [TestCase("""{"queues":[{"queue":"default","length":-1}]}""", "invalid_value")]
    [TestCase("""{"queues":[{"queue":"default"}]}""", "missing_field")]
    [TestCase("""{"queues":[{"queue":"default","length":"3"}]}""", "wrong_type")]
    [TestCase("""{"queues":[{"queue":"default","length":1,"oldest_age":-2}]}""", "invalid_value")]
    [TestCase("""{"jobs":{"enqueued":1}}""", "missing_field")]
    [TestCase("""{"queues":[],"servers":-1}""", "invalid_value")]
    [TestCase("""{"queues":[],"jobs":{"enqueued":"x"}}""", "wrong_type")]
    [TestCase("""[1]""", "wrong_type")]
    public void A_bad_snapshot_is_counted_by_reason_and_changes_nothing(string backlog, string reason)
    {
        var exporter = new TestExporter();
        exporter.Receive($$"""{"v":1,"type":"storage-backlog","id":"x1","ts":1,"system":"hangfire","hostname":"w1","backlog":{{backlog}}}""");
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", reason)), Is.EqualTo(1));
        Assert.That(m.Has("jobs_queue_length"), Is.False);
    }

    [TestCase("""{"queues":[{"queue":{"queue":"x","length":1},"length":1}]}""")]
    [TestCase("""{"queues":[{"queue":"a","length":[1,{"length":2}]}]}""")]
    [TestCase("""{"queues":[],"servers":{"queues":[]}}""")]
    [TestCase("""{"queues":[],"jobs":{"enqueued":{"enqueued":1}}}""")]
    public void A_nested_value_of_the_wrong_type_rejects_only_its_event_and_the_batch_reads_on(string backlog)
    {
        var exporter = new TestExporter();
        exporter.Receive($$$"""
            [{"v":1,"type":"storage-backlog","id":"x1","ts":1,"system":"hangfire","hostname":"w1","backlog":{{{backlog}}}},
             {"v":1,"type":"storage-backlog","id":"x2","ts":2,"system":"hangfire","hostname":"w1","backlog":{"queues":[{"queue":"good","length":5}]}}]
            """);
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "wrong_type")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(1));
        Assert.That(m.Value("jobs_queue_length", Queue("good")), Is.EqualTo(5));
        Assert.That(m.Has("jobs_queue_length", Queue("x")), Is.False);
    }

    [Test]
    public void A_snapshot_with_more_queues_than_allowed_is_rejected_as_one_event()
    {
        var exporter = new TestExporter();
        var queues = string.Join(",", Enumerable.Range(0, BacklogSnapshot.MaxQueues + 1).Select(i => $$"""{"queue":"q{{i}}","length":1}"""));
        exporter.Receive($$$"""{"v":1,"type":"storage-backlog","id":"x1","ts":1,"system":"hangfire","hostname":"w1","backlog":{"queues":[{{{queues}}}]}}""");
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", "invalid_value")), Is.EqualTo(1));
        Assert.That(m.Has("jobs_queue_length"), Is.False);
    }

    [Test]
    public void A_storage_backlog_event_without_its_backlog_is_missing_a_field()
    {
        var exporter = new TestExporter();
        exporter.Receive("""{"v":1,"type":"storage-backlog","id":"x1","ts":1,"system":"hangfire","hostname":"w1"}""");
        Assert.That(exporter.Scrape().Value("jobs_exporter_events_invalid_total", ("reason", "missing_field")), Is.EqualTo(1));
    }
}
