using System.Text;
using static JobExporter.Tests.Celery.CeleryFeed;

namespace JobExporter.Tests.Celery;

public class CeleryHostileMessageTests
{
    private static double Invalid(CeleryFeed feed, string reason) =>
        feed.Scrape().Value("jobs_exporter_events_invalid_total", ("reason", reason)) ?? 0;

    [TestCase("application/x-python-serialize")]
    [TestCase("application/x-msgpack")]
    [TestCase("application/x-yaml")]
    [TestCase("text/plain")]
    [TestCase(null)]
    public void A_message_not_serialised_as_json_is_counted_as_an_unsupported_content_type(string? contentType)
    {
        var feed = new CeleryFeed();
        feed.Receive(Sent("u1", feed.Now, "app.a", "q").ToJsonString(), contentType);
        Assert.That(Invalid(feed, "unsupported_content_type"), Is.EqualTo(1));
        Assert.That(feed.Scrape().Has("jobs_sent_total", ("name", "app.a")), Is.False);
    }

    [Test]
    public void Json_with_a_charset_parameter_is_accepted()
    {
        var feed = new CeleryFeed();
        feed.Receive(Sent("u1", feed.Now, "app.a", "q").ToJsonString(), "Application/JSON; charset=utf-8");
        Assert.That(feed.Scrape().Value("jobs_sent_total", ("name", "app.a")), Is.EqualTo(1));
    }

    [Test]
    public void Malformed_and_hostile_messages_are_each_counted_and_the_good_events_around_them_all_count()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        var good = 0;
        void Good() => feed.Send(Sent($"good-{good++}", t, "app.good", "q"));

        Good();
        feed.Receive("{\"type\": \"task-sent\", ");
        Good();
        feed.Receive("{\"type\": \"task-sent\", \"timestamp\": NaN}");
        Good();
        feed.Receive(new byte[] { 0x7b, 0xff, 0xfe, 0x7d });
        Good();
        feed.Receive(string.Concat(Enumerable.Repeat("{\"a\": ", 10_000)) + "1" + new string('}', 10_000));
        Good();
        feed.Receive(Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("1", 300_000)) + "]"));
        Good();
        feed.Receive("\"task-sent\"");
        Good();
        feed.Send(With(Task("task-progress", "u9", t), ("progress", 50)));
        Good();
        feed.Send(With(Task("task-sent", "u9", t), ("name", 42)));
        Good();
        feed.Send(With(Task("task-sent", "u9", t), ("timestamp", "yesterday")));
        Good();
        feed.Send(With(Task("task-succeeded", "", t), ("runtime", 1)));
        Good();
        feed.Send(With(Task("task-succeeded", "u9", t), ("runtime", -3)));
        Good();
        feed.Send(With(Worker("worker-heartbeat", t), ("active", 1e300)));
        Good();
        feed.Receive(Sent("u9", t, "app.a", "q").ToJsonString().Replace("\"app.a\"", "\"app.\\ud800\""));
        Good();
        // A list: the bad entries are rejected one by one, the good ones between them count.
        feed.SendList(Sent($"good-{good++}", t, "app.good", "q"), With(Task("task-started", "x", t), ("hostname", null)), Sent($"good-{good++}", t, "app.good", "q"));
        feed.Receive($"[{Sent($"good-{good++}", t, "app.good", "q").ToJsonString()}, 17, \"x\"]");
        Good();

        var m = feed.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_sent_total", ("name", "app.good")), Is.EqualTo(good));
            Assert.That(Invalid(feed, "not_json"), Is.EqualTo(2));
            Assert.That(Invalid(feed, "invalid_utf8"), Is.EqualTo(1));
            Assert.That(Invalid(feed, "too_deep"), Is.EqualTo(1));
            Assert.That(Invalid(feed, "too_large"), Is.EqualTo(1));
            Assert.That(Invalid(feed, "not_an_object"), Is.EqualTo(3));
            Assert.That(Invalid(feed, "unknown_type"), Is.EqualTo(1));
            Assert.That(Invalid(feed, "wrong_type"), Is.EqualTo(3));
            Assert.That(Invalid(feed, "missing_field"), Is.EqualTo(2));
            Assert.That(Invalid(feed, "invalid_value"), Is.EqualTo(2));
            Assert.That(m.Value("jobs_exporter_events_total", ("system", "celery")), Is.EqualTo(good));
        });
    }

    [Test]
    public void A_list_longer_than_the_batch_limit_counts_its_first_events_and_one_rejection()
    {
        var feed = new CeleryFeed(1000, "--events.max-message-bytes", "4194304");
        var t = feed.Now;
        var events = Enumerable.Range(0, 10_005).Select(i => Received($"u{i}", t, "app.a")).ToArray();
        feed.SendList(events);
        Assert.That(feed.Scrape().Value("jobs_received_total", ("system", "celery")), Is.EqualTo(10_000));
        Assert.That(Invalid(feed, "batch_too_large"), Is.EqualTo(1));
    }
}
