using JobExporter.Contracts;

namespace JobExporter.Tests.Aggregation;

/// <summary>--no-metrics.job-hostname: the job counters count every host's jobs in one series; worker series keep the hostname.</summary>
public class JobHostnameTests
{
    private static readonly string[] JobCounters =
    [
        "jobs_received_total", "jobs_started_total", "jobs_succeeded_total", "jobs_failed_total", "jobs_retried_total",
        "jobs_rejected_total", "jobs_revoked_total",
    ];

    private static void RunJobs(TestExporter exporter, string host, int succeeded, int failed)
    {
        for (var i = 0; i < succeeded + failed; i++)
        {
            exporter.Apply(exporter.Job(EventType.JobReceived, host: host), exporter.Job(EventType.JobStarted, host: host) with { Wait = 1 });
            exporter.Apply(i < succeeded
                ? exporter.Job(EventType.JobSucceeded, host: host) with { Runtime = 0.5 }
                : exporter.Job(EventType.JobFailed, host: host) with { Runtime = 0.5, Exception = "IOException" });
        }
    }

    [Test]
    public void By_default_the_job_counters_carry_the_hostname()
    {
        var exporter = new TestExporter();
        RunJobs(exporter, "worker-1", succeeded: 2, failed: 1);
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_succeeded_total", ("hostname", "worker-1")), Is.EqualTo(2));
        Assert.That(JobCounters.SelectMany(c => m.Find(c)).Where(s => !s.Labels.ContainsKey("hostname")), Is.Empty);
    }

    [Test]
    public void Without_the_job_hostname_the_counters_add_up_every_hosts_jobs_and_worker_series_keep_it()
    {
        var exporter = new TestExporter(null, "--no-metrics.job-hostname");
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "worker-1"), exporter.Worker(EventType.WorkerOnline, host: "worker-2"));
        RunJobs(exporter, "worker-1", succeeded: 2, failed: 0);
        RunJobs(exporter, "worker-2", succeeded: 1, failed: 2);
        var m = exporter.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(JobCounters.SelectMany(c => m.Find(c)).Where(s => s.Labels.ContainsKey("hostname")), Is.Empty);
            Assert.That(m.Find("jobs_succeeded_total").Single().Value, Is.EqualTo(3));
            Assert.That(m.Value("jobs_failed_total", ("exception", "IOException")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_failed_total", ("exception", "")), Is.EqualTo(0), "the sibling at zero is there without a hostname too");
            Assert.That(m.Value("jobs_started_total"), Is.EqualTo(5));
            Assert.That(m.Find("jobs_worker_up").Select(s => s.Labels["hostname"]), Is.EquivalentTo(new[] { "worker-1", "worker-2" }));
            Assert.That(m.Value("jobs_runtime_seconds_count"), Is.EqualTo(5));
        });
    }

    [Test]
    public void Without_the_job_hostname_a_purged_worker_loses_its_worker_series_and_the_counters_keep_its_jobs()
    {
        var exporter = new TestExporter(null, "--no-metrics.job-hostname", "--worker.purge-after", "1m");
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "worker-1"),
            exporter.Worker(EventType.WorkerOnline, host: "worker-2", interval: 600));
        RunJobs(exporter, "worker-1", succeeded: 2, failed: 1);
        RunJobs(exporter, "worker-2", succeeded: 1, failed: 0);
        exporter.Apply(exporter.Worker(EventType.WorkerOffline, host: "worker-1"));
        exporter.Advance(TimeSpan.FromSeconds(59));
        Assert.That(exporter.Scrape().Has("jobs_worker_up", ("hostname", "worker-1")), Is.True, "not yet purged at 59 s");

        exporter.Advance(TimeSpan.FromSeconds(1));
        var purged = exporter.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(purged.All.Where(s => s.Labels.GetValueOrDefault("hostname") == "worker-1").Select(s => s.Name), Is.Empty);
            Assert.That(purged.Value("jobs_worker_up", ("hostname", "worker-2")), Is.EqualTo(1));
            Assert.That(purged.Value("jobs_workers_alive", ("system", "hangfire")), Is.EqualTo(1));
            Assert.That(purged.Value("jobs_succeeded_total"), Is.EqualTo(3), "the gone worker's jobs stay counted");
            Assert.That(purged.Value("jobs_failed_total", ("exception", "IOException")), Is.EqualTo(1));
        });

        // Counting goes on in the same series, for the remaining worker and for one that comes back.
        RunJobs(exporter, "worker-2", succeeded: 1, failed: 0);
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "worker-1"));
        RunJobs(exporter, "worker-1", succeeded: 1, failed: 0);
        var after = exporter.Scrape();
        Assert.That(after.Value("jobs_succeeded_total"), Is.EqualTo(5));
        Assert.That(after.Value("jobs_worker_up", ("hostname", "worker-1")), Is.EqualTo(1));
    }

    [Test]
    public void Without_the_job_hostname_job_events_take_no_place_under_the_hostname_cap()
    {
        var exporter = new TestExporter(null, "--no-metrics.job-hostname", "--metrics.max-values", "2");
        foreach (var host in new[] { "pod-a", "pod-b", "pod-c", "pod-d" }) RunJobs(exporter, host, succeeded: 1, failed: 0);
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "pod-e"));
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_exporter_label_overflow_total", ("label", "hostname")), Is.EqualTo(0));
        Assert.That(m.Value("jobs_worker_up", ("hostname", "pod-e")), Is.EqualTo(1));
        Assert.That(m.Value("jobs_succeeded_total"), Is.EqualTo(4));
    }

    [Test]
    public void Per_host_histograms_without_the_job_hostname_go_with_their_host_and_the_counters_stay()
    {
        var exporter = new TestExporter(null, "--no-metrics.job-hostname", "--metrics.histogram-hostname", "--worker.purge-after", "1m");
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "worker-1"),
            exporter.Worker(EventType.WorkerOnline, host: "worker-2", interval: 600));
        RunJobs(exporter, "worker-1", succeeded: 2, failed: 0);
        RunJobs(exporter, "worker-2", succeeded: 1, failed: 0);
        var before = exporter.Scrape();
        Assert.That(before.Value("jobs_runtime_seconds_count", ("hostname", "worker-1")), Is.EqualTo(2));
        Assert.That(before.Value("jobs_runtime_seconds_count", ("hostname", "worker-2")), Is.EqualTo(1));
        Assert.That(before.Find("jobs_succeeded_total").Single().Value, Is.EqualTo(3));

        exporter.Apply(exporter.Worker(EventType.WorkerOffline, host: "worker-1"));
        exporter.Advance(TimeSpan.FromMinutes(1));
        RunJobs(exporter, "worker-2", succeeded: 1, failed: 0);
        var after = exporter.Scrape();
        Assert.That(after.Has("jobs_runtime_seconds_count", ("hostname", "worker-1")), Is.False);
        Assert.That(after.Value("jobs_runtime_seconds_count", ("hostname", "worker-2")), Is.EqualTo(2));
        Assert.That(after.Value("jobs_succeeded_total"), Is.EqualTo(4));
    }

    [Test]
    public void Without_the_job_hostname_new_hosts_take_no_room_under_the_series_cap()
    {
        // One series a counter holds every host's runs: 150 hosts stay within a cap of 100 (the lowest the flag takes).
        var exporter = new TestExporter(null, "--no-metrics.job-hostname", "--metrics.histogram-hostname", "--metrics.max-series", "100");
        foreach (var host in Enumerable.Range(1, 150).Select(i => $"pod-{i}")) RunJobs(exporter, host, succeeded: 1, failed: 1);
        var m = exporter.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_succeeded_total"), Is.EqualTo(150));
            Assert.That(m.Find("jobs_succeeded_total").Select(s => s.Labels["name"]), Has.None.EqualTo("__other__"));
            Assert.That(m.Value("jobs_exporter_series_overflow_total", ("metric", "jobs_succeeded_total")), Is.EqualTo(0));
        });
    }
}
