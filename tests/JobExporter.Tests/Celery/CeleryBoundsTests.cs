using JobExporter.Contracts;
using static JobExporter.Tests.Celery.CeleryFeed;

namespace JobExporter.Tests.Celery;

/// <summary>Celery's numbers meet the same bounds as ours, computed ones too, and each bad event rejects only itself.</summary>
public class CeleryBoundsTests
{
    private static double Invalid(CeleryFeed feed, string reason) =>
        feed.Scrape().Value("jobs_exporter_events_invalid_total", ("reason", reason)) ?? 0;

    [Test]
    public void A_freq_or_timestamp_past_its_bound_rejects_its_event_and_not_the_rest_of_the_list()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.SendList(
            Sent("a", t, "app.good", "q"),
            Worker("worker-heartbeat", t, freq: 1e12),
            Worker("worker-heartbeat", t, freq: EventBounds.MaxIntervalSeconds),
            Worker("worker-heartbeat", 1e308, hostname: "celery@worker-2"),
            Sent("b", EventBounds.MaxTimestamp + 1, "app.good", "q"),
            Sent("c", t, "app.good", "q"));
        Assert.That(feed.Scrape().Value("jobs_sent_total", ("name", "app.good")), Is.EqualTo(2));
        Assert.That(Invalid(feed, InvalidReasons.InvalidValue), Is.EqualTo(3));
        Assert.That(feed.Scrape().Value("jobs_worker_up", ("hostname", "celery@worker-1")), Is.EqualTo(1), "the heartbeat at the bound");
    }

    [Test]
    public void A_runtime_computed_from_timestamps_past_the_duration_bound_rejects_its_event()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        var longest = EventBounds.MaxDurationSeconds;
        feed.Send(Sent("long", t, "app.timed", "q"));
        feed.Send(Task("task-started", "long", t - longest - 1));
        feed.Send(Task("task-succeeded", "long", t));
        feed.Send(Sent("edge", t, "app.timed", "q"));
        feed.Send(Task("task-started", "edge", t - longest));
        feed.Send(Task("task-succeeded", "edge", t));
        var m = feed.Scrape();
        Assert.That(m.Value("jobs_runtime_seconds_count", ("name", "app.timed")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_runtime_seconds_sum", ("name", "app.timed")), Is.EqualTo(longest).Within(1e-3));
        Assert.That(Invalid(feed, InvalidReasons.InvalidValue), Is.EqualTo(1));
    }

    [Test]
    public void An_event_nested_past_16_in_a_list_rejects_only_itself()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        string Nested(int depth) => string.Concat(Enumerable.Repeat("[", depth)) + new string(']', depth);
        // The list is one level and the event another: a field may nest 14 deep, not 15.
        string With(string uuid, int depth) => Sent(uuid, t, "app.good", "q").ToJsonString()[..^1] + ",\"kwargs\":" + Nested(depth) + "}";
        feed.Receive($"[{With("a", 14)},{With("b", 15)},{With("c", 40)},{Sent("d", t, "app.good", "q").ToJsonString()}]");
        Assert.That(feed.Scrape().Value("jobs_sent_total", ("name", "app.good")), Is.EqualTo(2));
        Assert.That(Invalid(feed, InvalidReasons.TooDeep), Is.EqualTo(2));
    }
}
