using JobExporter.Celery;
using static JobExporter.Tests.Celery.CeleryFeed;

namespace JobExporter.Tests.Celery;

public class CeleryEventMappingTests
{
    private static readonly (string, string)[] Billing =
        [("system", "celery"), ("name", "app.billing.tasks.process_billing"), ("queue", "celery"), ("hostname", "celery@worker-10.prod.internal")];

    [Test]
    public void The_sample_stream_counts_sent_tasks_received_ones_under_the_queue_they_were_sent_to_and_online_workers()
    {
        var feed = new CeleryFeed();
        feed.Replay(SamplePath("sample-events.jsonl"));
        var m = feed.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_sent_total", ("system", "celery")), Is.EqualTo(28));
            Assert.That(m.Value("jobs_sent_total", ("system", "celery"), ("name", "app.billing.tasks.process_billing"), ("queue", "celery")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_sent_total", ("name", "app.orders.tasks.rebuild_orders"), ("queue", "low_priority")), Is.EqualTo(1));
            // task-received names no queue: it comes from the task's task-sent.
            Assert.That(m.Value("jobs_received_total", Billing), Is.EqualTo(1));
            Assert.That(m.Value("jobs_workers_alive", ("system", "celery")), Is.EqualTo(10));
            Assert.That(m.Value("jobs_worker_active", ("system", "celery"), ("hostname", "celery@worker-01.prod.internal")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_exporter_events_total", ("system", "celery")), Is.EqualTo(40));
            Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(0));
        });
    }

    [Test]
    public void The_task_multi_sample_counts_every_event()
    {
        var feed = new CeleryFeed();
        feed.Replay(SamplePath("sample-events-multi.jsonl"));
        var m = feed.Scrape();
        Assert.That(m.Value("jobs_sent_total", ("system", "celery")), Is.EqualTo(29));
        Assert.That(m.Value("jobs_workers_alive", ("system", "celery")), Is.EqualTo(10));
        Assert.That(m.Value("jobs_exporter_events_invalid_total"), Is.EqualTo(0));
    }

    [Test]
    public void A_task_multi_list_counts_each_event_under_the_name_and_queue_of_its_task_sent_with_wait_and_runtime()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u1", t, "app.mail.send", "emails"));
        feed.SendList(
            Received("u1", t + 1, "app.mail.send"),
            With(Task("task-started", "u1", t + 4), ("pid", 7)),
            With(Task("task-succeeded", "u1", t + 6.5), ("result", "'ok'"), ("runtime", 2.5)));
        var m = feed.Scrape();
        (string, string)[] job = [("system", "celery"), ("name", "app.mail.send"), ("queue", "emails"), ("hostname", "celery@worker-1")];
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_sent_total", ("system", "celery"), ("name", "app.mail.send"), ("queue", "emails")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_received_total", job), Is.EqualTo(1));
            Assert.That(m.Value("jobs_started_total", job), Is.EqualTo(1));
            Assert.That(m.Value("jobs_succeeded_total", job), Is.EqualTo(1));
            // Wait is started minus received: 3 s.
            Assert.That(m.Value("jobs_wait_seconds_sum", ("name", "app.mail.send"), ("queue", "emails")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_runtime_seconds_sum", ("name", "app.mail.send"), ("outcome", "succeeded")), Is.EqualTo(2.5));
        });
    }

    [Test]
    public void The_wait_is_started_minus_sent_when_the_worker_sent_no_task_received()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u1", t, "app.mail.send", "emails"));
        feed.Send(Task("task-started", "u1", t + 7));
        Assert.That(feed.Scrape().Value("jobs_wait_seconds_sum", ("name", "app.mail.send")), Is.EqualTo(7));
    }

    [Test]
    public void A_failure_counts_under_the_exception_type_parsed_from_its_repr_with_the_runtime_since_it_started()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Received("u1", t, "app.pay.charge"));
        feed.Send(Task("task-started", "u1", t + 1));
        feed.Send(With(Task("task-failed", "u1", t + 5), ("exception", "ValueError('card 4242 declined')"), ("traceback", "Traceback ...")));
        var m = feed.Scrape();
        Assert.That(m.Value("jobs_failed_total", ("name", "app.pay.charge"), ("exception", "ValueError")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_runtime_seconds_sum", ("name", "app.pay.charge"), ("outcome", "failed")), Is.EqualTo(4));
        Assert.That(m.Find("jobs_failed_total").Any(s => s.Labels["exception"].Contains("4242")), Is.False, "the message must not become a label");
    }

    [Test]
    public void Retries_rejections_and_revocations_count_under_their_task_name()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        foreach (var uuid in new[] { "a", "b", "c" }) feed.Send(Received(uuid, t, "app.sync.pull"));
        feed.Send(With(Task("task-retried", "a", t + 1), ("exception", "ConnectionError('reset')")));
        feed.Send(With(Task("task-retried", "a", t + 2), ("exception", "None")));
        feed.Send(With(Task("task-rejected", "b", t + 1), ("requeue", false)));
        feed.Send(With(Task("task-revoked", "c", t + 1), ("terminated", false), ("expired", false)));
        var m = feed.Scrape();
        (string, string)[] job = [("system", "celery"), ("name", "app.sync.pull")];
        Assert.That(m.Value("jobs_retried_total", [.. job, ("exception", "ConnectionError")]), Is.EqualTo(1));
        Assert.That(m.Value("jobs_retried_total", [.. job, ("exception", "unknown")]), Is.EqualTo(1));
        Assert.That(m.Value("jobs_rejected_total", job), Is.EqualTo(1));
        Assert.That(m.Value("jobs_revoked_total", job), Is.EqualTo(1));
    }

    [Test]
    public void Events_of_a_task_the_exporter_never_saw_sent_or_received_count_as_unknown()
    {
        var feed = new CeleryFeed();
        feed.Send(With(Task("task-succeeded", "never-seen", feed.Now), ("runtime", 1.0)));
        feed.Advance(CeleryEventHold.DefaultHoldTime);
        feed.ApplyExpired();
        Assert.That(feed.Scrape().Value("jobs_succeeded_total", ("system", "celery"), ("name", "unknown"), ("queue", "unknown")), Is.EqualTo(1));
    }

    [Test]
    public void When_the_task_index_is_full_the_oldest_task_is_forgotten_and_counted()
    {
        var feed = new CeleryFeed(taskIndexSize: 2);
        var t = feed.Now;
        feed.Send(Sent("old", t, "app.a", "q"));
        feed.Send(Sent("mid", t, "app.b", "q"));
        feed.Send(Sent("new", t, "app.c", "q"));
        feed.Send(With(Task("task-succeeded", "old", t + 1), ("runtime", 1.0)));
        feed.Send(With(Task("task-succeeded", "new", t + 1), ("runtime", 1.0)));
        feed.Advance(CeleryEventHold.DefaultHoldTime);
        feed.ApplyExpired();
        var m = feed.Scrape();
        Assert.That(m.Value("jobs_exporter_celery_task_index_evicted_total"), Is.EqualTo(1));
        Assert.That(m.Value("jobs_succeeded_total", ("name", "unknown")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_succeeded_total", ("name", "app.c"), ("queue", "q")), Is.EqualTo(1));
    }

    [Test]
    public void Finished_tasks_leave_the_index_so_that_a_steady_stream_never_evicts()
    {
        var feed = new CeleryFeed(taskIndexSize: 10);
        var t = feed.Now;
        for (var i = 0; i < 100; i++)
        {
            feed.Send(Sent($"u{i}", t, "app.a", "q"));
            feed.SendList(Received($"u{i}", t, "app.a"), Task("task-started", $"u{i}", t), With(Task("task-succeeded", $"u{i}", t), ("runtime", 0.1)));
        }
        var m = feed.Scrape();
        Assert.That(m.Value("jobs_exporter_celery_task_index_evicted_total"), Is.EqualTo(0));
        Assert.That(m.Value("jobs_succeeded_total", ("name", "app.a"), ("queue", "q")), Is.EqualTo(100));
    }

    [Test]
    public void An_event_arriving_just_after_the_one_that_ended_its_task_still_counts_under_its_name()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u1", t, "app.flaky", "q"));
        // A task.multi list flushed after a single message: the retry shows up after the final success.
        feed.Send(With(Task("task-succeeded", "u1", t + 3), ("runtime", 0.5)));
        feed.SendList(With(Task("task-retried", "u1", t + 1), ("exception", "ConnectionError('reset')")));
        var m = feed.Scrape();
        Assert.That(m.Value("jobs_retried_total", ("name", "app.flaky"), ("queue", "q"), ("exception", "ConnectionError")), Is.EqualTo(1));
        Assert.That(m.Has("jobs_retried_total", ("name", "unknown")), Is.False);
    }

    [Test]
    public void The_queues_tasks_are_sent_to_are_polled_on_rabbitmq_and_an_unknown_queue_is_not()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u1", t, "app.mail.send", "emails"));
        feed.Send(Received("u1", t, "app.mail.send"));
        feed.Send(Received("u2", t, "app.never.sent"));
        Assert.That(feed.Exporter.Queues.Snapshot(), Is.EquivalentTo(new[] { new JobExporter.Configuration.QueueName("celery", "emails") }));
    }

    [Test]
    public void Field_names_written_with_json_escapes_are_read_like_plain_ones()
    {
        var feed = new CeleryFeed();
        feed.Receive("{\"\\u0074ype\": \"task-sent\", \"uuid\": \"u1\", \"host\\u006eame\": \"gen@web\", \"name\": \"app.a\", \"queue\": \"q\", \"timestamp\": 1.5}");
        Assert.That(feed.Scrape().Value("jobs_sent_total", ("name", "app.a"), ("queue", "q")), Is.EqualTo(1));
    }

    [Test]
    public void A_task_whose_uuid_comes_escaped_in_a_later_event_is_still_found_by_it()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u1", t, "app.a", "q"));
        // "u1" written with JSON escapes, as any JSON writer may: the same task.
        feed.Receive($$"""{"type": "task-received", "uuid": "\u0075\u0031", "hostname": "celery@w\u0031", "name": "app.a", "timestamp": {{t + 1}}}""");
        feed.Send(Task("task-started", "u1", t + 3, "celery@w1"));
        var m = feed.Scrape();
        (string, string)[] job = [("name", "app.a"), ("queue", "q"), ("hostname", "celery@w1")];
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_received_total", job), Is.EqualTo(1));
            Assert.That(m.Value("jobs_started_total", job), Is.EqualTo(1));
            Assert.That(m.Value("jobs_wait_seconds_sum", ("name", "app.a"), ("queue", "q")), Is.EqualTo(2));
        });
    }

    [Test]
    public void Events_told_apart_only_by_timestamp_task_or_worker_all_count()
    {
        var feed = new CeleryFeed();
        var t = feed.Now;
        feed.Send(Sent("u1", t, "app.a", "q"));
        feed.Send(Task("task-retried", "u1", t + 1));
        feed.Send(Task("task-retried", "u1", t + 1.000001));
        feed.Send(Sent("u2", t, "app.a", "q"));
        feed.Send(Task("task-retried", "u2", t + 1));
        feed.Send(Worker("worker-heartbeat", t, "celery@w1"));
        feed.Send(Worker("worker-heartbeat", t, "celery@w2"));
        var m = feed.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_retried_total", ("system", "celery")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_exporter_events_total", ("system", "celery"), ("type", "worker-heartbeat")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_exporter_events_duplicate_total"), Is.EqualTo(0));
        });
    }

    [Test]
    public void A_message_delivered_twice_counts_once()
    {
        var feed = new CeleryFeed();
        var sent = Sent("u1", feed.Now, "app.a", "q").ToJsonString();
        feed.Receive(sent);
        feed.Receive(sent);
        var m = feed.Scrape();
        Assert.That(m.Value("jobs_sent_total", ("name", "app.a")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_exporter_events_duplicate_total"), Is.EqualTo(1));
    }

    [TestCase("ValueError('bad input')", "ValueError")]
    [TestCase("requests.exceptions.HTTPError('503 Server Error')", "requests.exceptions.HTTPError")]
    [TestCase("SoftTimeLimitExceeded()", "SoftTimeLimitExceeded")]
    [TestCase("KeyError", "KeyError")]
    [TestCase("None", null)]
    [TestCase("<object object at 0x7f>", null)]
    [TestCase("Ünïcode('x')", null)]
    [TestCase("", null)]
    public void The_exception_type_is_the_python_name_before_the_parenthesis(string repr, string? expected) =>
        Assert.That(ExceptionRepr.TypeName(repr), Is.EqualTo(expected));
}
