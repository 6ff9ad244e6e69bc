using JobExporter.Aggregation;
using JobExporter.Contracts;

namespace JobExporter.Tests.Aggregation;

/// <summary>
/// The applier caches a job's guarded labels and series by the strings its events carry (the parser gives repeated
/// label values one string). These events repeat the very same strings, so each case goes through that cache.
/// </summary>
public class ResolvedJobTests
{
    [Test]
    public void A_purged_host_that_comes_back_with_the_same_strings_counts_in_its_new_series()
    {
        var exporter = new TestExporter(null, "--worker.purge-after", "1m");
        var succeeded = exporter.Job(EventType.JobSucceeded, "Report.Build", host: "pod-a") with { Runtime = 1 };
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "pod-a"), succeeded with { Id = "1" }, succeeded with { Id = "2" });
        exporter.Apply(exporter.Worker(EventType.WorkerOffline, host: "pod-a"));
        exporter.Advance(TimeSpan.FromMinutes(1));
        Assert.That(exporter.Scrape().Has("jobs_succeeded_total", ("hostname", "pod-a")), Is.False, "purged");

        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "pod-a"), succeeded with { Id = "3" });
        Assert.That(exporter.Scrape().Value("jobs_succeeded_total", ("hostname", "pod-a")), Is.EqualTo(1),
            "the series made after the purge, not the one removed with it");
    }

    // Job-sent has its own cache (its counter carries no host): both must count a fold on every event.
    [TestCase(EventType.JobReceived, "jobs_received_total")]
    [TestCase(EventType.JobSent, "jobs_sent_total")]
    public void A_folded_name_is_counted_as_folded_on_every_event_of_its_job(EventType type, string family)
    {
        var exporter = new TestExporter(null, "--metrics.max-values", "1");
        var first = exporter.Job(type, "First.Job");
        var folded = exporter.Job(type, "Second.Job");
        exporter.Apply(first, folded with { Id = "a" }, folded with { Id = "b" }, folded with { Id = "c" });
        var m = exporter.Scrape();
        Assert.That(m.Value(family, ("name", "__other__")), Is.EqualTo(3));
        Assert.That(m.Value("jobs_exporter_label_overflow_total", ("label", "name")), Is.EqualTo(3));
    }

    [Test]
    public void A_renamed_value_is_counted_as_renamed_on_every_event_of_its_job()
    {
        var exporter = new TestExporter();
        var reserved = exporter.Job(EventType.JobStarted, "unknown");
        exporter.Apply(reserved with { Id = "a" }, reserved with { Id = "b" });
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_started_total", ("name", "_unknown_")), Is.EqualTo(2));
        Assert.That(m.Value("jobs_exporter_label_renamed_total", ("label", "name")), Is.EqualTo(2));
    }

    [Test]
    public void A_value_of_other_from_the_wire_is_counted_as_renamed_and_folded_on_every_event()
    {
        var exporter = new TestExporter(null, "--metrics.max-values", "1");
        var first = exporter.Job(EventType.JobReceived, "First.Job");
        var claimed = exporter.Job(EventType.JobReceived, "__other__");
        exporter.Apply(first, claimed with { Id = "a" }, claimed with { Id = "b" });
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_received_total", ("name", "__other__")), Is.EqualTo(2));
        Assert.That(m.Value("jobs_exporter_label_renamed_total", ("label", "name")), Is.EqualTo(2));
        Assert.That(m.Value("jobs_exporter_label_overflow_total", ("label", "name")), Is.EqualTo(2));
    }

    [Test]
    public void A_job_past_the_series_budget_is_counted_as_over_it_on_every_event()
    {
        // The least --metrics.max-series takes is 100 a family: 100 jobs fill it, the 101st is folded.
        var exporter = new TestExporter(null, "--metrics.max-series", "100");
        for (var i = 0; i < 100; i++) exporter.Apply(exporter.Job(EventType.JobReceived, $"Job{i}"));
        var late = exporter.Job(EventType.JobReceived, "Late.Job");
        exporter.Apply(late with { Id = "a" }, late with { Id = "b" }, late with { Id = "c" });
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_received_total", ("name", "__other__")), Is.EqualTo(3));
        Assert.That(m.Value("jobs_exporter_series_overflow_total", ("metric", "jobs_received_total")), Is.EqualTo(3));
    }

    [Test]
    public void Jobs_that_share_a_name_keep_their_own_series_by_host_queue_and_system_through_many_overwritten_slots()
    {
        // One name string for every job, the host, queue and system telling them apart; more jobs than the cache has
        // slots, interleaved, so slots are overwritten again and again. The histograms carry the host as well.
        const int Hosts = 2500; // 10,000 jobs, more than the cache's 8,192 slots
        var exporter = new TestExporter(null, "--no-metrics.job-hostname", "--metrics.histogram-hostname", "--metrics.max-values", "100000", "--metrics.max-series", "1000000");
        var jobs = (from host in Enumerable.Range(0, Hosts)
                    from queue in new[] { "default", "critical" }
                    from system in new[] { "hangfire", "masstransit" }
                    select exporter.Job(EventType.JobSucceeded, "Shared.Job", queue, $"pod-{host}", system) with { Runtime = 0.5 }).ToArray();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < jobs.Length; i++) exporter.Apply(jobs[i] with { Id = $"{round}-{i}" });
        }
        var m = exporter.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Find("jobs_succeeded_total").Count(), Is.EqualTo(4), "one series a queue and system, hosts together");
            Assert.That(m.Find("jobs_succeeded_total").Select(s => s.Value), Is.All.EqualTo(3 * Hosts));
            Assert.That(m.Value("jobs_succeeded_total", ("queue", "critical"), ("system", "masstransit")), Is.EqualTo(3 * Hosts));
            Assert.That(m.Find("jobs_runtime_seconds_count").Count(), Is.EqualTo(4 * Hosts), "one histogram a host, queue and system");
            Assert.That(m.Find("jobs_runtime_seconds_count").Select(s => s.Value), Is.All.EqualTo(3));
            Assert.That(m.Value("jobs_runtime_seconds_count", ("hostname", $"pod-{Hosts - 1}"), ("queue", "critical"), ("system", "masstransit")), Is.EqualTo(3));
        });
    }

    [Test]
    public void A_system_past_the_cap_or_renamed_is_counted_so_on_every_event()
    {
        var exporter = new TestExporter(null, "--metrics.max-values", "2");
        var known = exporter.Job(EventType.JobReceived, system: "hangfire");
        var renamed = exporter.Job(EventType.JobReceived, system: "unknown");
        var folded = exporter.Job(EventType.JobReceived, system: "celery");
        // Interleaved with a system taken as it came, which the applier may remember.
        exporter.Apply(known, renamed with { Id = "r1" }, known with { Id = "k1" }, renamed with { Id = "r2" }, folded with { Id = "f1" },
            known with { Id = "k2" }, folded with { Id = "f2" }, folded with { Id = "f3" });
        var m = exporter.Scrape();
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_exporter_label_renamed_total", ("label", "system")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_exporter_label_overflow_total", ("label", "system")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_exporter_events_total", ("system", "hangfire"), ("type", "job-received")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_exporter_events_total", ("system", "_unknown_"), ("type", "job-received")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_exporter_events_total", ("system", "__other__"), ("type", "job-received")), Is.EqualTo(3));
        });
    }

    [TestCase("name")]
    [TestCase("queue")]
    [TestCase("hostname")]
    [TestCase("system")]
    public void A_slot_answers_only_the_job_whose_strings_it_holds_not_one_that_differs_in_one_label(string label)
    {
        // Jobs that differ in one label are added until one takes the first job's slot (a slot is picked from the
        // strings' identities, 1 in 8,192): the first must then miss, and the newcomer hit its own entry.
        var cache = new ResolvedJobCache<ResolvedJob>();
        var first = new TestExporter(null).Job(EventType.JobSucceeded, "Report.Build", "default", "pod-a", "hangfire");
        cache.Add(first, new ResolvedJob("first", "", "", "", null!));
        for (var i = 0; i < 200_000; i++)
        {
            var other = $"{label}-{i}";
            var next = label switch
            {
                "name" => first with { Name = other },
                "queue" => first with { Queue = other },
                "hostname" => first with { Hostname = other },
                _ => first with { System = other },
            };
            cache.Add(next, new ResolvedJob(other, "", "", "", null!));
            if (cache.TryGet(first, out _)) continue;
            Assert.That(cache.TryGet(next, out var found) ? found.Name : null, Is.EqualTo(other), "the newcomer finds its own entry");
            return;
        }
        Assert.Fail($"no job differing only in {label} took the first job's slot, or the slot still answered for the first job");
    }
}
