using static JobExporter.Tests.Celery.CeleryFeed;

namespace JobExporter.Tests.Celery;

public class CeleryWorkerLivenessTests
{
    private static readonly (string, string)[] Worker1 = [("system", "celery"), ("hostname", "celery@worker-1")];

    [Test]
    public void A_celery_worker_is_up_from_worker_online_with_its_active_tasks_from_heartbeats()
    {
        var feed = new CeleryFeed();
        feed.Send(Worker("worker-online", feed.Now));
        feed.Advance(TimeSpan.FromSeconds(2));
        feed.Send(Worker("worker-heartbeat", feed.Now, active: 4));
        var m = feed.Scrape();
        Assert.That(m.Value("jobs_worker_up", Worker1), Is.EqualTo(1));
        Assert.That(m.Value("jobs_worker_active", Worker1), Is.EqualTo(4));
        Assert.That(m.Value("jobs_workers_alive", ("system", "celery")), Is.EqualTo(1));
    }

    [Test]
    public void A_silent_celery_worker_goes_down_after_three_of_its_heartbeat_intervals()
    {
        var feed = new CeleryFeed();
        feed.Send(Worker("worker-heartbeat", feed.Now, freq: 2.0, active: 1));
        feed.Advance(TimeSpan.FromSeconds(5));
        Assert.That(feed.Scrape().Value("jobs_worker_up", Worker1), Is.EqualTo(1), "still within 3 x freq = 6 s");
        feed.Advance(TimeSpan.FromSeconds(2));
        var m = feed.Scrape();
        Assert.That(m.Value("jobs_worker_up", Worker1), Is.EqualTo(0));
        Assert.That(m.Value("jobs_workers_alive", ("system", "celery")), Is.EqualTo(0));
    }

    [Test]
    public void A_celery_worker_that_says_offline_is_down_at_once_and_purged_later()
    {
        var feed = new CeleryFeed(1000, "--worker.purge-after", "1m");
        feed.Send(Worker("worker-online", feed.Now));
        feed.Send(Received("u1", feed.Now, "app.a"));
        feed.Send(Worker("worker-offline", feed.Now + 0.5));
        Assert.That(feed.Scrape().Value("jobs_worker_up", Worker1), Is.EqualTo(0));
        feed.Advance(TimeSpan.FromSeconds(61));
        var m = feed.Scrape();
        Assert.That(m.Has("jobs_worker_up", Worker1), Is.False);
        Assert.That(m.Has("jobs_received_total", ("hostname", "celery@worker-1")), Is.False);
    }
}
