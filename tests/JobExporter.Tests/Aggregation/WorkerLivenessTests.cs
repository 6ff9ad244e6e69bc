using JobExporter.Contracts;

namespace JobExporter.Tests.Aggregation;

public class WorkerLivenessTests
{
    private static readonly (string, string)[] Worker1 = [("system", "hangfire"), ("hostname", "worker-1")];

    [Test]
    public void A_worker_online_then_heartbeating_is_up_with_its_active_jobs_and_heartbeat_time()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerOnline));
        exporter.Advance(TimeSpan.FromSeconds(10));
        var beat = exporter.Worker(EventType.WorkerHeartbeat, active: 3, dropped: 7);
        exporter.Apply(beat);
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_worker_up", Worker1), Is.EqualTo(1));
        Assert.That(m.Value("jobs_worker_active", Worker1), Is.EqualTo(3));
        Assert.That(m.Value("jobs_worker_heartbeat_timestamp_seconds", Worker1), Is.EqualTo(beat.Ts));
        Assert.That(m.Value("jobs_emitter_dropped_events", Worker1), Is.EqualTo(7));
        Assert.That(m.Value("jobs_workers_alive", ("system", "hangfire")), Is.EqualTo(1));
    }

    [Test]
    public void A_worker_going_offline_is_down_with_no_active_jobs()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, active: 2));
        exporter.Apply(exporter.Worker(EventType.WorkerOffline));
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_worker_up", Worker1), Is.EqualTo(0));
        Assert.That(m.Value("jobs_worker_active", Worker1), Is.EqualTo(0));
        Assert.That(m.Value("jobs_workers_alive", ("system", "hangfire")), Is.EqualTo(0));
    }

    [Test]
    public void A_silent_worker_is_down_after_three_announced_intervals_without_any_scrape()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, interval: 5));
        exporter.Advance(TimeSpan.FromSeconds(15));
        Assert.That(exporter.Scrape().Value("jobs_worker_up", Worker1), Is.EqualTo(1), "exactly 3 x 5 s is not yet late");
        exporter.Advance(TimeSpan.FromSeconds(1));
        Assert.That(exporter.Scrape().Value("jobs_worker_up", Worker1), Is.EqualTo(0));
    }

    [Test]
    public void The_timeout_flag_overrides_the_announced_interval()
    {
        var exporter = new TestExporter(null, "--worker.timeout", "2m");
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, interval: 5));
        exporter.Advance(TimeSpan.FromSeconds(100));
        Assert.That(exporter.Scrape().Value("jobs_worker_up", Worker1), Is.EqualTo(1));
        exporter.Advance(TimeSpan.FromSeconds(21));
        Assert.That(exporter.Scrape().Value("jobs_worker_up", Worker1), Is.EqualTo(0));
    }

    [Test]
    public void A_worker_that_never_announced_an_interval_times_out_after_60_seconds()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerOnline) with { Interval = null });
        exporter.Advance(TimeSpan.FromSeconds(60));
        Assert.That(exporter.Scrape().Value("jobs_worker_up", Worker1), Is.EqualTo(1));
        exporter.Advance(TimeSpan.FromSeconds(1));
        Assert.That(exporter.Scrape().Value("jobs_worker_up", Worker1), Is.EqualTo(0));
    }

    [Test]
    public void A_worker_down_past_the_purge_delay_loses_every_series_with_its_hostname_but_workers_alive_stays()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerOnline), exporter.Worker(EventType.WorkerOnline, host: "worker-2", interval: 600));
        exporter.Apply(exporter.Job(EventType.JobFailed) with { Runtime = 1, Exception = "X" }, exporter.Job(EventType.JobSent));
        exporter.Apply(exporter.Worker(EventType.WorkerOffline));
        exporter.Advance(TimeSpan.FromMinutes(9));
        Assert.That(exporter.Scrape().Has("jobs_failed_total", ("hostname", "worker-1")), Is.True, "not yet purged at 9 minutes");

        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, host: "worker-2", interval: 600));
        exporter.Advance(TimeSpan.FromMinutes(1));
        var m = exporter.Scrape();
        Assert.That(m.All.Where(s => s.Labels.GetValueOrDefault("hostname") == "worker-1").Select(s => s.Name), Is.Empty);
        Assert.That(m.Value("jobs_worker_up", ("hostname", "worker-2")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_workers_alive", ("system", "hangfire")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_sent_total"), Is.EqualTo(1), "sent has no hostname and stays");
        Assert.That(m.Value("jobs_runtime_seconds_count"), Is.EqualTo(1), "histograms without hostname stay");
    }

    [Test]
    public void A_purged_hostname_frees_its_place_under_the_label_cap()
    {
        var exporter = new TestExporter(null, "--metrics.max-values", "2", "--worker.purge-after", "1m");
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "pod-a"), exporter.Worker(EventType.WorkerOnline, host: "pod-b"));
        exporter.Apply(exporter.Worker(EventType.WorkerOffline, host: "pod-a"));
        exporter.Advance(TimeSpan.FromMinutes(1));
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "pod-c"));
        Assert.That(exporter.Scrape().Value("jobs_worker_up", ("hostname", "pod-c")), Is.EqualTo(1));
    }

    [Test]
    public void A_purged_host_gives_its_job_series_room_back_under_the_series_cap()
    {
        // Room for 50 jobs on two hosts in each counter family (the least --metrics.max-series takes is 100).
        var exporter = new TestExporter(null, "--metrics.max-series", "100", "--worker.purge-after", "1m");
        void FiftyJobs(string pod)
        {
            exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: pod));
            for (var i = 0; i < 50; i++) exporter.Apply(exporter.Job(EventType.JobSucceeded, $"Job{i}", host: pod) with { Runtime = 1 });
        }
        FiftyJobs("pod-a");
        FiftyJobs("pod-b");
        exporter.Apply(exporter.Worker(EventType.WorkerOffline, host: "pod-a"));
        exporter.Advance(TimeSpan.FromMinutes(1));
        FiftyJobs("pod-c");
        var m = exporter.Scrape();
        Assert.That(m.Has("jobs_succeeded_total", ("hostname", "pod-a")), Is.False);
        Assert.That(m.Has("jobs_failed_total", ("hostname", "pod-a")), Is.False);
        Assert.That(m.Value("jobs_succeeded_total", ("hostname", "pod-c"), ("name", "Job49")), Is.EqualTo(1), "pod-a's room went to pod-c");
        Assert.That(m.Value("jobs_failed_total", ("hostname", "pod-c"), ("name", "Job49")), Is.EqualTo(0));
        Assert.That(m.Has("jobs_succeeded_total", ("hostname", "__other__")), Is.False, "nothing was folded");
    }

    [Test]
    public void Systems_named_at_start_show_zero_workers_alive_before_any_event()
    {
        var exporter = new TestExporter(null, "--systems", "hangfire,masstransit");
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_workers_alive", ("system", "hangfire")), Is.EqualTo(0));
        Assert.That(m.Value("jobs_workers_alive", ("system", "masstransit")), Is.EqualTo(0));
    }

    [Test]
    public void An_older_event_arriving_late_does_not_revive_a_worker_that_went_offline()
    {
        var exporter = new TestExporter();
        var lateBeat = exporter.Worker(EventType.WorkerHeartbeat, active: 1);
        exporter.Advance(TimeSpan.FromSeconds(1));
        exporter.Apply(exporter.Worker(EventType.WorkerOffline), lateBeat);
        Assert.That(exporter.Scrape().Value("jobs_worker_up", Worker1), Is.EqualTo(0));
    }

    [Test]
    public void The_same_host_running_two_systems_is_two_workers()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerOnline), exporter.Worker(EventType.WorkerOnline, system: "masstransit"));
        exporter.Apply(exporter.Worker(EventType.WorkerOffline));
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_workers_alive", ("system", "hangfire")), Is.EqualTo(0));
        Assert.That(m.Value("jobs_workers_alive", ("system", "masstransit")), Is.EqualTo(1));
    }

    [Test]
    public void A_silent_worker_is_marked_timed_out_and_one_that_said_goodbye_is_not()
    {
        var exporter = new TestExporter();
        var worker2 = new[] { ("system", "hangfire"), ("hostname", "worker-2") };
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, interval: 5), exporter.Worker(EventType.WorkerOnline, host: "worker-2", interval: 5));
        Assert.That(exporter.Scrape().Value("jobs_worker_timed_out", Worker1), Is.EqualTo(0), "up: not timed out");

        exporter.Apply(exporter.Worker(EventType.WorkerOffline, host: "worker-2"));
        exporter.Advance(TimeSpan.FromSeconds(16));
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_worker_up", Worker1), Is.EqualTo(0));
        Assert.That(m.Value("jobs_worker_timed_out", Worker1), Is.EqualTo(1), "silent past 3 x 5 s");
        Assert.That(m.Value("jobs_worker_up", worker2), Is.EqualTo(0));
        Assert.That(m.Value("jobs_worker_timed_out", worker2), Is.EqualTo(0), "said goodbye");

        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, interval: 5));
        Assert.That(exporter.Scrape().Value("jobs_worker_timed_out", Worker1), Is.EqualTo(0), "back up");
    }

    [Test]
    public void A_worker_timed_out_loses_the_timed_out_series_with_the_others_after_the_purge_delay()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, interval: 5));
        exporter.Advance(TimeSpan.FromSeconds(16));
        exporter.Advance(TimeSpan.FromMinutes(10));
        Assert.That(exporter.Scrape().Has("jobs_worker_timed_out", Worker1), Is.False);
    }

    [Test]
    public void The_exporter_uptime_counts_from_its_start_on_its_own_clock()
    {
        var exporter = new TestExporter();
        exporter.Advance(TimeSpan.FromSeconds(90));
        Assert.That(exporter.Scrape().Value("jobs_exporter_uptime_seconds"), Is.EqualTo(90));
    }
}
