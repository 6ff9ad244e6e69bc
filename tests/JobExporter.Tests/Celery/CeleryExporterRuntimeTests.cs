using JobExporter.Celery;
using static JobExporter.Tests.Celery.CeleryFeed;

namespace JobExporter.Tests.Celery;

public class CeleryExporterRuntimeTests
{
    private static CeleryFeed FeedWithRuntime(params string[] args)
    {
        var feed = new CeleryFeed(1000, args);
        _ = new CeleryExporterRuntime(feed.Exporter.Metrics, feed.Exporter.Applier, feed.Exporter.Options.Celery.ExporterRuntimeBuckets);
        return feed;
    }

    private static void Run(CeleryFeed feed, string uuid, string name, string queue, string host, double runtime, bool fail = false)
    {
        var t = feed.Now;
        feed.Send(Sent(uuid, t, name, queue));
        feed.Send(Received(uuid, t, name, host));
        feed.Send(fail
            ? With(Task("task-failed", uuid, t + runtime, host), ("exception", "ValueError('x')"), ("runtime", runtime))
            : With(Task("task-succeeded", uuid, t + runtime, host), ("runtime", runtime)));
    }

    [Test]
    public void Succeeded_tasks_are_observed_with_celery_exporter_labels_and_default_buckets()
    {
        var feed = FeedWithRuntime();
        Run(feed, "u1", "app.pay", "billing", "celery@web-1", 0.3);
        Run(feed, "u2", "app.pay", "billing", "celery@web-1", 4);
        Run(feed, "u3", "app.pay", "billing", "celery@web-1", 9, fail: true);
        var m = feed.Scrape();
        (string, string)[] task = [("name", "app.pay"), ("hostname", "web-1"), ("queue_name", "billing")];
        Assert.Multiple(() =>
        {
            // prometheus_client's default buckets, as celery-exporter has them.
            Assert.That(m.Find("celery_task_runtime_bucket", task).Select(s => s.Labels["le"]),
                Is.EqualTo(new[] { "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2.5", "5", "7.5", "10", "+Inf" }));
            Assert.That(m.Value("celery_task_runtime_bucket", [.. task, ("le", "0.25")]), Is.EqualTo(0));
            Assert.That(m.Value("celery_task_runtime_bucket", [.. task, ("le", "0.5")]), Is.EqualTo(1));
            Assert.That(m.Value("celery_task_runtime_bucket", [.. task, ("le", "5")]), Is.EqualTo(2));
            // A failed task is not observed: celery-exporter observes task-succeeded only.
            Assert.That(m.Value("celery_task_runtime_count", task), Is.EqualTo(2));
            Assert.That(m.Value("celery_task_runtime_sum", task), Is.EqualTo(4.3).Within(1e-9));
            Assert.That(m.Find("celery_task_runtime_count").Single().Labels.ContainsKey("system"), Is.False);
        });
    }

    [Test]
    public void The_buckets_flag_sets_the_buckets()
    {
        var feed = FeedWithRuntime("--celery.exporter-runtime-buckets", "1,60");
        Run(feed, "u1", "app.pay", "billing", "celery@web-1", 30);
        var m = feed.Scrape();
        Assert.That(m.Find("celery_task_runtime_bucket").Select(s => (s.Labels["le"], s.Value)),
            Is.EqualTo(new[] { ("1", 0.0), ("60", 1.0), ("+Inf", 1.0) }));
    }

    [Test]
    public void Only_celery_jobs_are_observed_and_without_the_job_hostname_the_histogram_has_none()
    {
        var feed = FeedWithRuntime("--no-metrics.job-hostname");
        feed.Exporter.Apply(feed.Exporter.Job(JobExporter.Contracts.EventType.JobSucceeded));
        Run(feed, "u1", "app.pay", "billing", "celery@web-1", 0.3);
        Run(feed, "u2", "app.pay", "billing", "celery@web-2", 0.3);
        var m = feed.Scrape();
        Assert.That(m.Find("celery_task_runtime_count").Select(s => (s.Labels.ContainsKey("hostname"), s.Labels["name"], s.Value)),
            Is.EqualTo(new[] { (false, "app.pay", 2.0) }));
    }

    [Test]
    public void A_purged_worker_takes_its_runtime_series_with_it()
    {
        var feed = FeedWithRuntime("--worker.purge-after", "1m");
        feed.Send(Worker("worker-online", feed.Now, "celery@web-1"));
        feed.Send(Worker("worker-online", feed.Now, "celery@web-2"));
        Run(feed, "u1", "app.pay", "billing", "celery@web-1", 0.3);
        Run(feed, "u2", "app.pay", "billing", "celery@web-2", 0.3);
        Assert.That(feed.Scrape().Find("celery_task_runtime_count").Select(s => s.Labels["hostname"]), Is.EquivalentTo(new[] { "web-1", "web-2" }));

        feed.Send(Worker("worker-offline", feed.Now + 1, "celery@web-1"));
        // web-1 said offline: purged 1 min later. web-2 went silent at the same time: down after 3 x its 2 s heartbeat, not yet purged.
        feed.Advance(TimeSpan.FromSeconds(61));
        Assert.That(feed.Scrape().Find("celery_task_runtime_count").Select(s => s.Labels["hostname"]), Is.EquivalentTo(new[] { "web-2" }));
    }
}
