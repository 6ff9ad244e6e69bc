using JobExporter.Celery;
using JobExporter.Testing;
using static JobExporter.Tests.Celery.CeleryFeed;

namespace JobExporter.Tests.Celery;

/// <summary>
/// Events of a task not named yet wait for its task-sent or task-received (Celery publishes task-sent after the task
/// message, so a worker can report a task first), on a fake clock: applied with the name when it comes, as unknown after
/// the hold, at once when the hold is full; counted once whatever the order.
/// </summary>
public class CeleryEventHoldTests
{
    private static readonly (string, string)[] Named = [("system", "celery"), ("name", "app.report"), ("queue", "reports")];
    private static readonly (string, string)[] Unknown = [("system", "celery"), ("name", "unknown"), ("queue", "unknown")];

    /// <summary>A counter's value, 0 while the series does not exist.</summary>
    private static double Count(MetricsSnapshot m, string name, params (string, string)[] labels) => m.Value(name, labels) ?? 0;

    [Test]
    public void A_task_revoked_before_its_task_sent_arrives_counts_under_its_name_once_sent_comes()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(With(Task("task-revoked", "u1", t + 0.001), ("terminated", false), ("expired", false)));
        Assert.That(Count(feed.Scrape(), "jobs_revoked_total", ("system", "celery")), Is.EqualTo(0), "held, not yet applied");

        feed.Advance(TimeSpan.FromMilliseconds(5));
        feed.Send(Sent("u1", t, "app.report", "reports"));
        var m = feed.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(Count(m, "jobs_sent_total", Named), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_revoked_total", Named), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_revoked_total", Unknown), Is.EqualTo(0));
            Assert.That(feed.Hold.Count, Is.EqualTo(0));
        });
    }

    [Test]
    public void A_task_revoked_after_its_task_sent_counts_at_once()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u1", t, "app.report", "reports"));
        feed.Send(Task("task-revoked", "u1", t + 0.001));
        Assert.That(Count(feed.Scrape(), "jobs_revoked_total", Named), Is.EqualTo(1));
        Assert.That(feed.Hold.Count, Is.EqualTo(0));
    }

    [Test]
    public void Held_events_are_applied_in_their_order_when_task_received_names_the_task()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.SendList(Task("task-started", "u1", t + 0.5), With(Task("task-succeeded", "u1", t + 2.5), ("runtime", 2.0)));
        Assert.That(feed.Hold.Count, Is.EqualTo(2));

        feed.Send(Received("u1", t, "app.report"));
        var m = feed.Scrape();
        (string, string)[] onWorker = [("system", "celery"), ("name", "app.report"), ("hostname", "celery@worker-1")];
        Assert.Multiple(() =>
        {
            Assert.That(Count(m, "jobs_received_total", onWorker), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_started_total", onWorker), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_succeeded_total", onWorker), Is.EqualTo(1));
            // The started event came before the received one, and still waited started minus received.
            Assert.That(Count(m, "jobs_wait_seconds_sum", ("system", "celery"), ("name", "app.report")), Is.EqualTo(0.5).Within(1e-6));
            Assert.That(Count(m, "jobs_runtime_seconds_sum", ("system", "celery"), ("name", "app.report")), Is.EqualTo(2.0).Within(1e-6));
            Assert.That(Count(m, "jobs_started_total", ("name", "unknown")), Is.EqualTo(0));
        });
    }

    [Test]
    public void A_task_never_named_counts_as_unknown_once_the_hold_expires_and_a_late_sent_does_not_count_it_again()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Task("task-revoked", "u1", t));

        feed.Advance(CeleryEventHold.DefaultHoldTime - TimeSpan.FromMilliseconds(1));
        feed.ApplyExpired();
        Assert.That(Count(feed.Scrape(), "jobs_revoked_total", ("system", "celery")), Is.EqualTo(0), "one ms before the hold ends");

        feed.Advance(TimeSpan.FromMilliseconds(1));
        feed.ApplyExpired();
        Assert.That(Count(feed.Scrape(), "jobs_revoked_total", Unknown), Is.EqualTo(1), "when the hold ends");

        feed.Send(Sent("u1", t - 1, "app.report", "reports"));
        var m = feed.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(Count(m, "jobs_sent_total", Named), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_revoked_total", ("system", "celery")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_celery_hold_overflow_total"), Is.EqualTo(0));
        });
    }

    [Test]
    public void The_next_message_applies_expired_events_too()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Task("task-revoked", "u1", t));
        feed.Advance(CeleryEventHold.DefaultHoldTime);
        feed.Send(Worker("worker-heartbeat", t + 2));
        Assert.That(Count(feed.Scrape(), "jobs_revoked_total", Unknown), Is.EqualTo(1));
    }

    [Test]
    public void When_the_hold_is_full_the_task_held_longest_is_applied_at_once_and_counted()
    {
        var feed = WithHoldCapacity(2);
        var t = feed.Now;
        feed.Send(Task("task-revoked", "u1", t));
        feed.Send(Task("task-revoked", "u2", t));
        Assert.That(Count(feed.Scrape(), "jobs_revoked_total", ("system", "celery")), Is.EqualTo(0));

        feed.Send(Task("task-revoked", "u3", t));
        feed.Send(Sent("u2", t, "app.report", "reports"));
        var m = feed.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_exporter_celery_hold_overflow_total"), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_revoked_total", Unknown), Is.EqualTo(1), "u1, pushed out");
            Assert.That(Count(m, "jobs_revoked_total", Named), Is.EqualTo(1), "u2, named while held");
            Assert.That(feed.Hold.Count, Is.EqualTo(1), "u3 still held");
        });
    }

    [Test]
    public void A_held_message_delivered_twice_counts_once()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        var revoked = Task("task-revoked", "u1", t).ToJsonString();
        feed.Receive(revoked);
        feed.Receive(revoked);
        feed.Send(Sent("u1", t, "app.report", "reports"));
        var m = feed.Scrape();
        Assert.That(Count(m, "jobs_revoked_total", Named), Is.EqualTo(1));
        Assert.That(m.Value("jobs_exporter_events_duplicate_total"), Is.EqualTo(1));
    }

    [Test]
    public void A_task_received_before_its_task_sent_counts_under_the_queue_task_sent_names_once_the_app_is_known_to_send_it()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u0", t, "app.report", "reports"));
        // The worker took u1 off its queue and reported it before the client's task-sent for it came.
        feed.Send(Received("u1", t + 0.01, "app.report"));
        feed.Send(Task("task-started", "u1", t + 0.02));
        Assert.That(feed.Hold.Count, Is.EqualTo(2), "waiting for u1's task-sent");

        feed.Advance(TimeSpan.FromMilliseconds(5));
        feed.Send(Sent("u1", t, "app.report", "reports"));
        var m = feed.Scrape();
        (string, string)[] onWorker = [.. Named, ("hostname", "celery@worker-1")];
        Assert.Multiple(() =>
        {
            Assert.That(Count(m, "jobs_received_total", onWorker), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_started_total", onWorker), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_received_total", ("queue", "unknown")), Is.EqualTo(0));
            Assert.That(Count(m, "jobs_sent_total", Named), Is.EqualTo(2));
            Assert.That(feed.Hold.Count, Is.EqualTo(0));
        });
    }

    [Test]
    public void A_task_received_of_a_name_no_task_sent_came_for_counts_at_once()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u0", t, "app.other", "reports"));
        feed.Send(Received("u1", t + 0.01, "app.report"));
        var m = feed.Scrape();
        Assert.That(feed.Hold.Count, Is.EqualTo(0));
        Assert.That(Count(m, "jobs_received_total", ("name", "app.report"), ("queue", "unknown")), Is.EqualTo(1),
            "an app that does not send task-sent has no queue to wait for");
    }

    [Test]
    public void A_held_task_received_whose_task_sent_never_comes_keeps_its_name_and_names_the_events_after_it()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u0", t, "app.report", "reports"));
        feed.Send(Received("u1", t + 0.01, "app.report"));
        feed.Send(Task("task-started", "u1", t + 0.02));

        feed.Advance(CeleryEventHold.DefaultHoldTime);
        feed.ApplyExpired();
        feed.Send(With(Task("task-succeeded", "u1", t + 1), ("runtime", 0.5)));
        var m = feed.Scrape();
        (string, string)[] namedOnly = [("name", "app.report"), ("queue", "unknown")];
        Assert.Multiple(() =>
        {
            Assert.That(Count(m, "jobs_received_total", namedOnly), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_started_total", namedOnly), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_succeeded_total", namedOnly), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_received_total", ("name", "unknown")), Is.EqualTo(0));
            Assert.That(feed.Hold.Count, Is.EqualTo(0));
        });
    }

    [Test]
    public void An_event_held_before_a_held_task_received_takes_its_name_when_the_task_sent_never_comes()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u0", t, "app.report", "reports"));
        // The worker's task-started reached the exporter before its task-received, and both before the task-sent, which is lost.
        feed.Send(Task("task-started", "u1", t + 0.02));
        feed.Send(Received("u1", t + 0.01, "app.report"));
        Assert.That(feed.Hold.Count, Is.EqualTo(2));

        feed.Advance(CeleryEventHold.DefaultHoldTime);
        feed.ApplyExpired();
        var m = feed.Scrape();
        (string, string)[] namedOnly = [("name", "app.report"), ("queue", "unknown")];
        Assert.Multiple(() =>
        {
            Assert.That(Count(m, "jobs_received_total", namedOnly), Is.EqualTo(1));
            Assert.That(Count(m, "jobs_started_total", namedOnly), Is.EqualTo(1), "the task-received held after it names it");
            Assert.That(Count(m, "jobs_started_total", ("name", "unknown")), Is.EqualTo(0));
            Assert.That(feed.Hold.Count, Is.EqualTo(0));
        });
    }
}
