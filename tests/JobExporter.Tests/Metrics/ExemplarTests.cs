using System.Diagnostics;
using JobExporter.Contracts;
using Prometheus;

namespace JobExporter.Tests.Metrics;

/// <summary>
/// The page is served in the text format, which has no exemplars, so none is recorded: prometheus-net would otherwise take
/// one from the current activity (an ingest request has one) on every observation, which cost a tenth of the HTTP-fed
/// exporter's CPU an event.
/// </summary>
public class ExemplarTests
{
    [Test]
    public async Task A_job_applied_inside_a_traced_request_leaves_no_exemplar_on_its_histograms()
    {
        var exporter = new TestExporter();
        using (var request = new Activity("ingest request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            exporter.Apply(exporter.Job(EventType.JobStarted, "Report.Build") with { Wait = 0.5 },
                exporter.Job(EventType.JobSucceeded, "Report.Build") with { Runtime = 2 });
        }

        // Exemplars would show in the OpenMetrics format only; render it to see whether any was kept.
        using var page = new MemoryStream();
        await exporter.Metrics.Registry.CollectAndExportAsTextAsync(page, ExpositionFormat.OpenMetricsText);
        var text = System.Text.Encoding.UTF8.GetString(page.ToArray());
        Assert.That(text, Does.Contain("jobs_runtime_seconds_bucket"), "the histogram was observed");
        Assert.That(text, Does.Not.Contain("trace_id"));
    }
}
