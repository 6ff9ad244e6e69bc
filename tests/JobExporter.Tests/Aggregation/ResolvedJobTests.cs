using JobExporter.Contracts;

namespace JobExporter.Tests.Aggregation;

/// <summary>
/// The applier remembers a job's guarded labels and series by the strings its events carry (the parser gives repeated
/// label values one string). These events repeat the very same strings, so each case goes through that memory.
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

    [Test]
    public void A_folded_name_is_counted_as_folded_on_every_event_of_its_job()
    {
        var exporter = new TestExporter(null, "--metrics.max-values", "1");
        var first = exporter.Job(EventType.JobReceived, "First.Job");
        var folded = exporter.Job(EventType.JobReceived, "Second.Job");
        exporter.Apply(first, folded with { Id = "a" }, folded with { Id = "b" }, folded with { Id = "c" });
        var m = exporter.Scrape();
        Assert.That(m.Value("jobs_received_total", ("name", "__other__")), Is.EqualTo(3));
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
    public void Jobs_whose_strings_share_a_slot_of_the_memory_keep_their_own_series()
    {
        // More jobs than the memory has slots, interleaved: every slot is overwritten many times over.
        var exporter = new TestExporter();
        var jobs = Enumerable.Range(0, 1000).Select(i => exporter.Job(EventType.JobReceived, $"Job{i}", host: $"pod-{i % 7}")).ToArray();
        for (var round = 0; round < 3; round++)
        {
            foreach (var job in jobs) exporter.Apply(job with { Id = $"{round}-{job.Name}" });
        }
        var m = exporter.Scrape();
        Assert.That(m.Find("jobs_received_total").Count(), Is.EqualTo(1000));
        Assert.That(m.Find("jobs_received_total").Select(s => s.Value), Is.All.EqualTo(3));
        Assert.That(m.Value("jobs_received_total", ("name", "Job999"), ("hostname", "pod-5")), Is.EqualTo(3));
    }
}
