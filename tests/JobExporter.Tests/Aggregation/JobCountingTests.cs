using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.Tests.Aggregation;

public class JobCountingTests
{
    private static readonly (string, string)[] Job =
        [("system", "hangfire"), ("name", "InvoiceJob.Send"), ("queue", "default"), ("hostname", "worker-1")];

    [Test]
    public void Each_job_event_type_counts_in_its_own_counter()
    {
        var exporter = new TestExporter();
        exporter.Apply(
            exporter.Job(EventType.JobSent), exporter.Job(EventType.JobSent),
            exporter.Job(EventType.JobReceived),
            exporter.Job(EventType.JobStarted) with { Wait = 2 },
            exporter.Job(EventType.JobSucceeded) with { Runtime = 0.3 },
            exporter.Job(EventType.JobFailed) with { Runtime = 4, Exception = "TimeoutException" },
            exporter.Job(EventType.JobRetried) with { Exception = "IOException" },
            exporter.Job(EventType.JobRejected),
            exporter.Job(EventType.JobRevoked), exporter.Job(EventType.JobRevoked));
        var m = exporter.Scrape();

        Assert.That(m.Value("jobs_sent_total", ("system", "hangfire"), ("name", "InvoiceJob.Send"), ("queue", "default")), Is.EqualTo(2));
        Assert.That(m.Value("jobs_received_total", Job), Is.EqualTo(1));
        Assert.That(m.Value("jobs_started_total", Job), Is.EqualTo(1));
        Assert.That(m.Value("jobs_succeeded_total", Job), Is.EqualTo(1));
        Assert.That(m.Value("jobs_failed_total", [.. Job, ("exception", "TimeoutException")]), Is.EqualTo(1));
        Assert.That(m.Value("jobs_retried_total", [.. Job, ("exception", "IOException")]), Is.EqualTo(1));
        Assert.That(m.Value("jobs_rejected_total", Job), Is.EqualTo(1));
        Assert.That(m.Value("jobs_revoked_total", Job), Is.EqualTo(2));
        Assert.That(m.Value("jobs_runtime_seconds_count", ("outcome", "succeeded")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_runtime_seconds_sum", ("outcome", "failed")), Is.EqualTo(4));
        Assert.That(m.Value("jobs_wait_seconds_count", ("name", "InvoiceJob.Send")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_wait_seconds_bucket", ("name", "InvoiceJob.Send"), ("le", "1")), Is.EqualTo(0));
        Assert.That(m.Value("jobs_wait_seconds_bucket", ("name", "InvoiceJob.Send"), ("le", "5")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_exporter_events_total", ("system", "hangfire"), ("type", "job-revoked")), Is.EqualTo(2));
    }

    [Test]
    public void Histograms_have_no_hostname_label_unless_asked()
    {
        var plain = new TestExporter();
        plain.Apply(plain.Job(EventType.JobSucceeded) with { Runtime = 1 });
        Assert.That(plain.Scrape().Find("jobs_runtime_seconds_count").Single().Labels.ContainsKey("hostname"), Is.False);

        var withHost = new TestExporter(null, "--metrics.histogram-hostname");
        withHost.Apply(withHost.Job(EventType.JobSucceeded) with { Runtime = 1 });
        Assert.That(withHost.Scrape().Value("jobs_runtime_seconds_count", ("hostname", "worker-1")), Is.EqualTo(1));
    }

    [Test]
    public void The_first_event_of_a_job_on_a_host_creates_its_sibling_counters_at_zero()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Job(EventType.JobSucceeded) with { Runtime = 1 });
        var m = exporter.Scrape();
        foreach (var counter in new[] { "jobs_received_total", "jobs_started_total", "jobs_rejected_total", "jobs_revoked_total" })
        {
            Assert.That(m.Value(counter, Job), Is.EqualTo(0), counter);
        }
        // Failed and retried exist at 0 with an empty exception label, so failed / (failed + succeeded) is 0, not empty.
        Assert.That(m.Value("jobs_failed_total", [.. Job, ("exception", "")]), Is.EqualTo(0));
        Assert.That(m.Value("jobs_retried_total", [.. Job, ("exception", "")]), Is.EqualTo(0));
        Assert.That(m.Value("jobs_succeeded_total", Job), Is.EqualTo(1));
    }

    [Test]
    public void An_event_delivered_twice_is_counted_once()
    {
        var exporter = new TestExporter();
        var e = exporter.Job(EventType.JobSucceeded) with { Runtime = 1 };
        exporter.Apply(e, e, e with { });
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_succeeded_total", Job), Is.EqualTo(1));
        Assert.That(m.Value("jobs_exporter_events_duplicate_total"), Is.EqualTo(2));
    }

    [Test]
    public void A_message_applied_as_one_batch_counts_as_its_events_applied_one_by_one()
    {
        // Longer than the applier's chunk of 64 and than the window, opening with repeats of the message before and with
        // repeats of its own recent events throughout, across the chunk's edge too.
        var one = new TestExporter(null, "--events.dedup-window", "50");
        var batched = new TestExporter(null, "--events.dedup-window", "50");
        var earlier = Enumerable.Range(0, 30).Select(i => one.Job(EventType.JobSucceeded, name: $"Job{i % 3}") with { Runtime = i }).ToArray();
        var message = new List<JobEvent>(earlier[^5..]);
        for (var i = message.Count; i < 160; i++)
        {
            message.Add(i % 5 == 4
                ? message[i - 3]
                : one.Job(i % 2 == 0 ? EventType.JobStarted : EventType.JobFailed, name: $"Job{i % 3}") with { Runtime = 1, Wait = i, Exception = "IOException" });
        }

        one.Apply([.. earlier, .. message]);
        batched.Applier.OnEvents(earlier);
        batched.Applier.OnEvents([.. message]);

        var expected = one.Scrape();
        Assert.That(expected.Value("jobs_exporter_events_duplicate_total"), Is.EqualTo(5 + 31), "the message's repeats");
        Assert.That(JobFamilies(batched.Scrape()), Is.EqualTo(JobFamilies(expected)));
        Assert.That(batched.Applier.EventsSeen, Is.EqualTo(one.Applier.EventsSeen));
    }

    // Every jobs_ series, and the exporter's event counters, as "name{labels} value" lines.
    private static string[] JobFamilies(MetricsSnapshot m) =>
    [
        .. m.All.Where(s => s.Name.StartsWith("jobs_", StringComparison.Ordinal) && !s.Name.StartsWith("jobs_exporter_", StringComparison.Ordinal)
                || s.Name.StartsWith("jobs_exporter_events", StringComparison.Ordinal))
            .Select(s => $"{s.Name}{{{string.Join(',', s.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))}}} {s.Value}")
            .Order(StringComparer.Ordinal),
    ];

    [Test]
    public void The_dedup_window_is_bounded_and_forgets_the_oldest_ids()
    {
        var exporter = new TestExporter(null, "--events.dedup-window", "2");
        var first = exporter.Job(EventType.JobSent);
        exporter.Apply(first, exporter.Job(EventType.JobSent), exporter.Job(EventType.JobSent), first);
        Assert.That(exporter.Scrape().Value("jobs_sent_total"), Is.EqualTo(4), "the first id left the window of 2 and counts again");
    }

    [Test]
    public void Label_values_past_the_cap_fold_into_other_and_are_counted()
    {
        var exporter = new TestExporter(null, "--metrics.max-values", "3");
        foreach (var name in new[] { "A", "B", "C", "D", "E", "A" })
        {
            exporter.Apply(exporter.Job(EventType.JobSent, name));
        }
        var m = exporter.Scrape();
        Assert.That(m.Find("jobs_sent_total").Select(s => s.Labels["name"]), Is.EquivalentTo(new[] { "A", "B", "C", "__other__" }));
        Assert.That(m.Value("jobs_sent_total", ("name", "__other__")), Is.EqualTo(2));
        Assert.That(m.Value("jobs_sent_total", ("name", "A")), Is.EqualTo(2));
        Assert.That(m.Value("jobs_exporter_label_overflow_total", ("label", "name")), Is.EqualTo(2));
    }

    [Test]
    public void Label_values_are_cut_to_length_and_control_characters_replaced()
    {
        var exporter = new TestExporter(null, "--metrics.max-label-length", "16");
        exporter.Apply(exporter.Job(EventType.JobSent, "Bad\nName\t\"quoted\"\\ and far too long for a label"));
        var name = exporter.Scrape().Find("jobs_sent_total").Single().Labels["name"];
        Assert.That(name, Is.EqualTo("Bad_Name_\"quoted"));
    }

    [Test]
    public void A_job_event_without_an_exception_type_is_labelled_unknown()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Job(EventType.JobFailed) with { Runtime = 1 });
        Assert.That(exporter.Scrape().Value("jobs_failed_total", ("exception", "unknown")), Is.EqualTo(1));
    }

    [Test]
    public void Static_labels_and_a_prefix_apply_to_every_series()
    {
        var exporter = new TestExporter(null, "--metrics.prefix", "acme_jobs", "--metrics.static-label", "cluster=eu-1");
        exporter.Apply(exporter.Job(EventType.JobSent));
        var m = exporter.Scrape();
        Assert.That(m.Value("acme_jobs_sent_total", ("cluster", "eu-1")), Is.EqualTo(1));
        Assert.That(m.All.Where(s => !s.Labels.ContainsKey("cluster")), Is.Empty);
        Assert.That(m.All.Where(s => !s.Name.StartsWith("acme_jobs_")), Is.Empty);
    }

    [Test]
    public void MassTransit_consumer_events_teach_the_poller_their_queue_and_its_dead_letter_queues_but_sends_do_not()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Job(EventType.JobReceived, queue: "orders", system: "masstransit"),
            exporter.Job(EventType.JobReceived, queue: "default", system: "hangfire"),
            exporter.Job(EventType.JobSent, queue: "Shop:PlaceOrder", system: "masstransit"));
        Assert.That(exporter.Queues.Snapshot().Select(q => $"{q.System}/{q.Queue}"),
            Is.EquivalentTo(new[] { "masstransit/orders", "masstransit/orders_error", "masstransit/orders_skipped" }));
    }
}
