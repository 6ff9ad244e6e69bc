using JobExporter.Celery;
using static JobExporter.Tests.Celery.CeleryFeed;

namespace JobExporter.Tests.Celery;

public class CeleryExporterNamesTests
{
    private static CeleryFeed FeedWithNames(params string[] args)
    {
        var feed = new CeleryFeed(1000, args);
        _ = new CeleryExporterNames(feed.Exporter.Metrics);
        return feed;
    }

    [Test]
    public void Celery_series_are_also_served_under_celery_exporter_names_and_labels()
    {
        var feed = FeedWithNames();
        var t = feed.Now;
        feed.Send(Worker("worker-heartbeat", t, "celery@web-1", active: 2));
        feed.Send(Sent("u1", t, "app.pay", "billing"));
        feed.Send(Received("u1", t, "app.pay", "celery@web-1"));
        feed.Send(With(Task("task-retried", "u1", t + 1, "celery@web-1"), ("exception", "IOError('x')")));
        feed.Send(With(Task("task-retried", "u1", t + 2, "celery@web-1"), ("exception", "KeyError('y')")));
        feed.Send(With(Task("task-failed", "u1", t + 3, "celery@web-1"), ("exception", "ValueError('z')")));
        var m = feed.Scrape();
        (string, string)[] task = [("name", "app.pay"), ("hostname", "web-1"), ("queue_name", "billing")];
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("celery_task_sent_total", ("name", "app.pay"), ("hostname", "generic"), ("queue_name", "billing")), Is.EqualTo(1));
            Assert.That(m.Value("celery_task_received_total", task), Is.EqualTo(1));
            Assert.That(m.Value("celery_task_retried_total", task), Is.EqualTo(2));
            Assert.That(m.Value("celery_task_failed_total", [.. task, ("exception", "ValueError")]), Is.EqualTo(1));
            Assert.That(m.Value("celery_task_succeeded_total", task), Is.EqualTo(0));
            Assert.That(m.Value("celery_worker_up", ("hostname", "web-1")), Is.EqualTo(1));
            Assert.That(m.Value("celery_worker_tasks_active", ("hostname", "web-1")), Is.EqualTo(2));
            Assert.That(m.Find("celery_task_sent_total").Single().Labels.ContainsKey("system"), Is.False);
        });
    }

    [Test]
    public void Without_the_job_hostname_the_task_copies_have_none_either_and_the_worker_copies_keep_it()
    {
        var feed = FeedWithNames("--no-metrics.job-hostname");
        var t = feed.Now;
        feed.Send(Worker("worker-heartbeat", t, "celery@web-1", active: 1));
        feed.Send(Sent("u1", t, "app.pay", "billing"));
        feed.Send(Received("u1", t, "app.pay", "celery@web-1"));
        feed.Send(Sent("u2", t, "app.pay", "billing"));
        feed.Send(Received("u2", t, "app.pay", "celery@web-2"));
        feed.Send(With(Task("task-retried", "u2", t + 1, "celery@web-2"), ("exception", "IOError('x')")));
        feed.Send(With(Task("task-failed", "u2", t + 2, "celery@web-2"), ("exception", "ValueError('z')")));
        var m = feed.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.All.Where(s => s.Name.StartsWith("celery_task_", StringComparison.Ordinal) && s.Labels.ContainsKey("hostname")), Is.Empty);
            Assert.That(m.Value("celery_task_sent_total", ("name", "app.pay"), ("queue_name", "billing")), Is.EqualTo(2));
            Assert.That(m.Find("celery_task_received_total", ("name", "app.pay"), ("queue_name", "billing")).Single().Value, Is.EqualTo(2));
            Assert.That(m.Value("celery_task_retried_total", ("name", "app.pay"), ("queue_name", "billing")), Is.EqualTo(1));
            Assert.That(m.Value("celery_task_failed_total", ("name", "app.pay"), ("exception", "ValueError"), ("queue_name", "billing")), Is.EqualTo(1));
            Assert.That(m.Value("celery_worker_up", ("hostname", "web-1")), Is.EqualTo(1));
        });
    }

    [Test]
    public void Only_the_celery_system_is_copied_and_a_purged_worker_takes_its_copies_with_it()
    {
        var feed = FeedWithNames("--worker.purge-after", "1m");
        feed.Exporter.Apply(feed.Exporter.Worker(JobExporter.Contracts.EventType.WorkerHeartbeat, host: "hangfire-1"));
        feed.Send(Worker("worker-online", feed.Now, "celery@web-1"));
        feed.Send(Received("u1", feed.Now, "app.a", "celery@web-1"));
        Assert.That(feed.Scrape().Find("celery_worker_up").Select(s => s.Labels["hostname"]), Is.EquivalentTo(new[] { "web-1" }));

        feed.Send(Worker("worker-offline", feed.Now + 1, "celery@web-1"));
        feed.Advance(TimeSpan.FromSeconds(61));
        var m = feed.Scrape();
        Assert.That(m.Has("celery_worker_up", ("hostname", "web-1")), Is.False);
        Assert.That(m.Has("celery_task_received_total", ("hostname", "web-1")), Is.False);
    }
}

public class CeleryReadmeTests
{
    [Test]
    public async Task The_metrics_and_celery_pages_document_every_metric_family_the_celery_source_adds()
    {
        // Ours are rows of docs/metrics.md's table; celery-exporter's are named in docs/celery.md's migration table.
        var readme = JobExporter.Testing.DocPages.Read("metrics") + JobExporter.Testing.DocPages.Read("celery");
        var feed = new CeleryFeed();
        _ = new CeleryExporterNames(feed.Exporter.Metrics);
        var page = await feed.Exporter.Metrics.RenderAsync();
        var families = System.Text.RegularExpressions.Regex.Matches(page, @"^# TYPE (\S+) ", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();
        Assert.That(families, Does.Contain("jobs_exporter_celery_task_index_evicted_total").And.Contain("celery_task_sent_total"));
        foreach (var family in families)
        {
            // Ours are rows of the metrics table; celery-exporter's are named in the migration table.
            Assert.That(readme, Does.Contain(family.StartsWith("celery_", StringComparison.Ordinal) ? $"`{family}`" : $"| `{family}` |"), family);
        }
        Assert.That(readme, Does.Contain("reason=\"unsupported_content_type\""));
    }
}
