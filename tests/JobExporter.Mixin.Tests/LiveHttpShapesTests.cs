using JobExporter.Contracts;
using JobExporter.Testing;
using NUnit.Framework;
using static JobExporter.Mixin.Tests.LiveSidecarsAndHaPairTests;

namespace JobExporter.Mixin.Tests;

/// <summary>
/// The HTTP transport's two deployment shapes, for real: two exporter processes with <c>--web.enable-ingest</c> and no
/// broker, two workers publishing through the emitters' publisher, and Debian's Prometheus scraping both exporters with
/// the committed rule files. <b>HA pair</b>: each worker posts every batch to both (<c>ExporterUrls</c>), so the raw
/// series hold every run twice; <b>sidecars</b>: each worker posts to its own exporter. Either way the recording rules,
/// the overview and the alerts must count every run once. The failure counts are chosen so that a sum over the pair or a
/// max over the sidecars would show: one job fails 5 times (the failure-burst limit of the default class; 3 and 2 on
/// the two workers), the other 3 times (6 if counted twice).
/// </summary>
[NonParallelizable]
public sealed class LiveHttpShapesTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private const string Burst = "Http.Burst";
    private const string Quiet = "Http.Quiet";

    private static readonly Worker[] Workers =
    [
        new("http-worker-1", [new(Burst, Succeeded: 4, Failed: 3), new(Quiet, Succeeded: 6, Failed: 2)]),
        new("http-worker-2", [new(Burst, Succeeded: 3, Failed: 2), new(Quiet, Succeeded: 4, Failed: 1)]),
    ];

    private sealed record Runs(string Name, int Succeeded, int Failed);

    private sealed record Worker(string Hostname, Runs[] Jobs);

    [Test]
    public Task Two_exporters_fed_the_same_events_over_HTTP_count_each_run_once_in_rules_dashboards_and_alerts() =>
        RunAsync(sidecars: false);

    /// <summary>
    /// Sidecars over HTTP: each worker posts to its own exporter only, which names its stream as a RabbitMQ sidecar bound to
    /// that worker would (<c>--broker.binding-key *.*.&lt;hostname&gt;</c>, docs/http-transport.md), so the two add up.
    /// Without it both would write <c>stream="jobs.events"</c> and read as copies: the max of the two, not the sum.
    /// </summary>
    [Test]
    public Task Two_sidecars_fed_over_HTTP_and_named_by_their_worker_add_up_in_rules_dashboards_and_alerts() =>
        RunAsync(sidecars: true);

    private static async Task RunAsync(bool sidecars)
    {
        var ports = new[] { FreePort.Next(), FreePort.Next() };
        var starting = ports.Select((port, i) => ExporterProcess.StartWithArgsAsync(port,
        [
            "--web.listen-address", $"127.0.0.1:{port}", "--web.enable-ingest", "--systems", "hangfire",
            .. sidecars ? new[] { "--broker.binding-key", RoutingKeys.ForHost(Workers[i].Hostname) } : [],
        ])).ToList();
        await using var exporters = new Exporters(starting);
        await exporters.StartedAsync();
        await using var prometheus = await PrometheusServer.StartAsync(
            new Dictionary<string, string[]> { ["jobexporter"] = ports.Select(p => $"127.0.0.1:{p}").ToArray() },
            [Mixin.File("prometheus_rules.yaml"), Mixin.File("prometheus_alerts.yaml")]);
        await prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync("up{job=\"jobexporter\"} == 1")).Count == 2, Patience, "both exporters scraped");

        for (var i = 0; i < Workers.Length; i++)
        {
            await PublishAsync(Workers[i], sidecars ? [exporters.All[i].BaseUrl] : exporters.All.Select(e => e.BaseUrl).ToList());
        }
        var all = Workers.SelectMany(w => w.Jobs).ToList();
        int jobs = all.Sum(r => r.Succeeded + r.Failed), failed = all.Sum(r => r.Failed);
        for (var i = 0; i < exporters.All.Count; i++)
        {
            var its = sidecars ? Workers[i].Jobs : [.. all];
            int itsJobs = its.Sum(r => r.Succeeded + r.Failed), itsFailed = its.Sum(r => r.Failed);
            var page = await exporters.All[i].WaitForMetricsAsync(m => m.Value("jobs_succeeded_total") == itsJobs - itsFailed
                    && m.Value("jobs_failed_total") == itsFailed && m.Value("jobs_sent_total") == itsJobs
                    && m.Value("jobs_workers_alive") == (sidecars ? 1 : Workers.Length),
                Patience, "every event of its workers, once");
            Assert.That(page.Find("jobs_workers_alive").Single().Labels["stream"],
                Is.EqualTo(sidecars ? $"jobs.events/*.*.{Workers[i].Hostname}" : "jobs.events"), "an ingest-fed exporter's stream");
        }

        await WaitUntilFinalAsync(prometheus, exporters.All.Count);
        var overview = Dashboard("jobexporter-overview.json");
        var job = Dashboard("jobexporter-job.json");
        var expected = new List<(string What, string Expr, double[] Value)>
        {
            ("raw series (each run on both exporters, or on its sidecar)",
                "sum(jobs_succeeded_total{job=\"jobexporter\"}) + sum(jobs_failed_total{job=\"jobexporter\"})", [sidecars ? jobs : 2 * jobs]),
            ("Jobs executed (24h)", PanelExpr(overview, "Jobs executed (24h)", "stat"), [jobs]),
            ("Failed jobs (24h)", PanelExpr(overview, "Failed jobs (24h)", "stat"), [failed]),
            ("Workers alive (stat)", PanelExpr(overview, "Workers alive", "stat"), [Workers.Length]),
            ("Sent", System.Text.RegularExpressions.Regex.Replace(TargetExpr(job, "Lifecycle", "sent"),
                @"rate\((jobs_sent_total\{[^}]*\})\[\$__rate_interval\]\)", "$1"), [jobs]),
            ("completed runs rule", $"sum(system_queue_name:jobs_completed:increase1d{{name=\"{Burst}\"}})", [all.Where(r => r.Name == Burst).Sum(r => r.Succeeded + r.Failed)]),
            ("failed runs rule", $"sum(system_queue_name:jobs_failed:increase1d{{name=\"{Quiet}\"}})", [all.Where(r => r.Name == Quiet).Sum(r => r.Failed)]),
            ("workers alive rule (CapacityLost, AllWorkersDown)", $"{WorkersAliveRule()}{{system=\"hangfire\"}}", [Workers.Length]),
        };
        var seen = new List<(string What, string Expr, double[] Expected, double[] Samples)>();
        foreach (var (what, expr, value) in expected) seen.Add((what, expr, value, await SamplesAsync(prometheus, expr)));
        var bursts = (await prometheus.AlertsAsync())
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "JobExporterJobFailureBurst")
            .Select(a => $"{a.GetProperty("state").GetString()}: {a.GetProperty("annotations").GetProperty("description").GetString()}")
            .ToList();

        TestContext.Out.WriteLine(string.Join("\n", seen.Select(s => $"{s.What}: {string.Join(", ", s.Samples)} (expected {string.Join(", ", s.Expected)})")));
        TestContext.Out.WriteLine("JobExporterJobFailureBurst: " + string.Join("; ", bursts));
        Assert.Multiple(() =>
        {
            foreach (var (what, expr, value, samples) in seen) Assert.That(samples, Is.EqualTo(value), $"{what}: {expr}");
            // Http.Burst failed 5 times (the limit; 3 and 2 on the sidecars, which a max would make 3); Http.Quiet 3 times,
            // which a sum over the pair would make 6 and fire on.
            Assert.That(bursts, Is.EqualTo(new[]
            {
                $"firing: 5 runs of {Burst} (hangfire) failed in the last 10m, at least 5, the limit of its class default (and at least 10% of its runs).",
            }));
        });
    }

    // One publisher per worker process, posting to its exporters: a heartbeat, then every job sent, received, started and
    // finished. Disposing it sends what it buffered; its exporters must have acknowledged every event.
    private static async Task PublishAsync(Worker worker, IReadOnlyList<Uri> exporters)
    {
        var events = new EventFactory("hangfire", worker.Hostname);
        var options = new EventPublisherOptions { FlushTimeout = TimeSpan.FromMinutes(1) };
        foreach (var exporter in exporters) options.ExporterUrls.Add(exporter);
        var publisher = new EventPublisher(options);
        var sent = 1;
        await using (publisher)
        {
            publisher.TryPublish(events.Worker(EventType.WorkerHeartbeat, TimeSpan.FromHours(1), active: 0, dropped: 0, publishFailures: 0));
            foreach (var runs in worker.Jobs)
            {
                for (var i = 0; i < runs.Succeeded + runs.Failed; i++)
                {
                    var id = $"{worker.Hostname}-{runs.Name}-{i}";
                    publisher.TryPublish(events.Job(EventType.JobSent, runs.Name, "default", id));
                    publisher.TryPublish(events.Job(EventType.JobReceived, runs.Name, "default", id));
                    publisher.TryPublish(events.Job(EventType.JobStarted, runs.Name, "default", id, wait: 0.5));
                    publisher.TryPublish(i < runs.Succeeded
                        ? events.Job(EventType.JobSucceeded, runs.Name, "default", id, runtime: 0.2)
                        : events.Job(EventType.JobFailed, runs.Name, "default", id, runtime: 0.2) with { Exception = "IOException" });
                    sent += 4;
                }
            }
        }
        Assert.That((publisher.Published, publisher.Dropped), Is.EqualTo(((long)sent, 0L)), $"{worker.Hostname}'s events acknowledged by its exporters");
    }
}
