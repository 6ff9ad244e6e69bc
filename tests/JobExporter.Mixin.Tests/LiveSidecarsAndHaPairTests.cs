using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using JobExporter.Contracts;
using JobExporter.Testing;
using NUnit.Framework;
using RabbitMQ.Client;

namespace JobExporter.Mixin.Tests;

/// <summary>
/// The sidecar deployment of docs/deploying.md next to a central HA pair, for real: one RabbitMQ node; three sidecar exporter
/// processes, each bound to its own worker's events (<c>*.*.&lt;hostname&gt;</c>) on its own queue; two central exporters
/// bound to every event (<c>#</c>) on two queues; three workers publishing through the emitters' own publisher; and
/// Debian's Prometheus scraping all five as job="jobexporter" with the committed rule files. Each event is held by three
/// exporters (its sidecar and both central ones); the overview, read with its own queries from the committed dashboard,
/// shows it once. All five poll one shared RabbitMQ queue, which the overview shows once too.
/// </summary>
[NonParallelizable]
public sealed class LiveSidecarsAndHaPairTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private const string JobName = "Billing.Invoice";
    private const string SharedQueue = "billing";
    private const int QueuedMessages = 4;

    // Pod names as a Deployment makes them; each worker runs a different number of jobs, so that a max over sidecars
    // (one worker's count) or a sum over every exporter (three times the total) cannot pass for the total.
    private static readonly Worker[] Workers =
    [
        new("billing-worker-7d9f-a1b2c", Succeeded: 6, Failed: 1),
        new("billing-worker-7d9f-d3e4f", Succeeded: 4, Failed: 2),
        new("billing-worker-7d9f-g5h6i", Succeeded: 3, Failed: 3),
    ];

    private sealed record Worker(string Hostname, int Succeeded, int Failed)
    {
        public int Jobs => Succeeded + Failed;
    }

    [TestCase(true, TestName = "Three sidecars and an HA pair show each event once on the overview")]
    [TestCase(false, TestName = "Three sidecars and an HA pair show each event once on the overview without job hostnames")]
    public async Task Three_sidecars_and_an_HA_pair_show_each_event_once_on_the_overview(bool jobHostname)
    {
        await using var broker = await RabbitMqNode.StartAsync();
        await FillSharedQueueAsync(broker.AmqpUrl);
        string[] common = ["--systems", "hangfire", "--rabbitmq.queues", SharedQueue, "--rabbitmq.poll-interval", "1s",
            .. jobHostname ? Array.Empty<string>() : ["--no-metrics.job-hostname"]];
        var starting = Workers.Select(w => ExporterProcess.StartAsync(broker.AmqpUrl,
                [.. common, "--broker.binding-key", RoutingKeys.ForHost(w.Hostname), "--broker.queue", $"jobexporter.{w.Hostname}"]))
            .Concat(new[] { "a", "b" }.Select(replica => ExporterProcess.StartAsync(broker.AmqpUrl, [.. common, "--broker.queue", $"jobexporter.central-{replica}"])))
            .ToList();
        await using var exporters = new Exporters(starting);
        await exporters.StartedAsync();
        var sidecars = exporters.All.Take(Workers.Length).ToList();
        var central = exporters.All.Skip(Workers.Length).ToList();
        foreach (var exporter in exporters.All)
        {
            await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Patience, "the broker connection");
        }

        await using var prometheus = await PrometheusServer.StartAsync(
            new Dictionary<string, string[]> { ["jobexporter"] = exporters.All.Select(e => $"127.0.0.1:{e.Port}").ToArray() },
            [Mixin.File("prometheus_rules.yaml"), Mixin.File("prometheus_alerts.yaml")]);
        await prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync("up{job=\"jobexporter\"} == 1")).Count == exporters.All.Count,
            Patience, "all five exporters scraped");

        await PublishAsync(broker.AmqpUrl);
        int jobs = Workers.Sum(w => w.Jobs), failed = Workers.Sum(w => w.Failed);
        var pages = new List<MetricsSnapshot>();
        for (var i = 0; i < exporters.All.Count; i++)
        {
            Worker[] itsWorkers = i < Workers.Length ? [Workers[i]] : Workers;
            pages.Add(await exporters.All[i].WaitForMetricsAsync(m =>
                    m.Value("jobs_succeeded_total") == itsWorkers.Sum(w => w.Succeeded) && m.Value("jobs_failed_total") == itsWorkers.Sum(w => w.Failed)
                    && m.Value("jobs_sent_total") == itsWorkers.Sum(w => w.Jobs) && m.Value("jobs_workers_alive") == itsWorkers.Length
                    && m.Value("jobs_queue_length", ("queue", SharedQueue)) == QueuedMessages,
                Patience, "every event of its workers and the shared queue's length"));
        }
        var streams = pages.Select(p => p.Find("jobs_exporter_broker_connected").Single().Labels["stream"]).ToList();
        TestContext.Out.WriteLine($"stream labels: sidecars {string.Join(", ", streams.Take(Workers.Length))}; central {string.Join(", ", streams.Skip(Workers.Length))}");
        Assert.That(streams, Is.EqualTo(Workers.Select(w => $"jobs.events/*.*.{w.Hostname}").Concat(["jobs.events", "jobs.events"])));
        Assert.That(pages.SelectMany(p => p.Find("jobs_succeeded_total")).Any(s => s.Labels.ContainsKey("hostname")), Is.EqualTo(jobHostname));

        await WaitUntilFinalAsync(prometheus, exporters.All.Count);
        var raw = await ValueAsync(prometheus, "sum(jobs_succeeded_total{job=\"jobexporter\"}) + sum(jobs_failed_total{job=\"jobexporter\"})");
        TestContext.Out.WriteLine($"Raw series hold {raw} runs between the five exporters; {jobs} ran, {failed} failed.");

        var overview = Dashboard("jobexporter-overview.json");
        var job = Dashboard("jobexporter-job.json");
        var expected = new List<(string What, string Expr, double Value)>
        {
            ("Jobs executed (24h)", PanelExpr(overview, "Jobs executed (24h)", "stat"), jobs),
            ("Failed jobs (24h)", PanelExpr(overview, "Failed jobs (24h)", "stat"), failed),
            ("Workers alive (stat)", PanelExpr(overview, "Workers alive", "stat"), Workers.Length),
            ("Workers alive by system", PanelExpr(overview, "Workers alive", "timeseries"), Workers.Length),
            ("Messages queued", PanelExpr(overview, "Messages queued", "stat"), QueuedMessages),
            ("Queue length", PanelExpr(overview, "Queue length", "timeseries"), QueuedMessages),
            // The job dashboard's 'sent' line, aggregated as it is, on the counter itself rather than its rate.
            ("Sent", Regex.Replace(TargetExpr(job, "Lifecycle", "sent"), @"rate\((jobs_sent_total\{[^}]*\})\[\$__rate_interval\]\)", "$1"), jobs),
            ("workers alive rule (CapacityLost, AllWorkersDown)", $"{WorkersAliveRule()}{{system=\"hangfire\"}}", Workers.Length),
        };
        // Every figure is read before any is asserted, so that a failing run reports all of them.
        var seen = new List<(string What, string Expr, double Expected, double[] Samples)>();
        foreach (var (what, expr, value) in expected) seen.Add((what, expr, value, await SamplesAsync(prometheus, expr)));

        // The HA pair goes away (a redeploy, an outage): Prometheus marks its series stale, and the overview reads the same from the sidecars alone.
        foreach (var exporter in central) await exporter.StopAsync();
        await prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync("up{job=\"jobexporter\"} == 0")).Count == central.Count,
            Patience, "the HA pair's scrapes failing");
        await WaitForRulesAsync(prometheus, DateTimeOffset.UtcNow);
        foreach (var (what, expr, value) in expected)
        {
            seen.Add(($"sidecars alone, {what}", expr, value, await SamplesAsync(prometheus, expr)));
        }

        TestContext.Out.WriteLine(string.Join("\n", seen.Select(s => $"{s.What}: {string.Join(", ", s.Samples)} (published: {s.Expected})")));
        Assert.Multiple(() =>
        {
            foreach (var (what, expr, value, samples) in seen) Assert.That(samples, Is.EqualTo(new[] { value }), $"{what}: {expr}");
        });
    }

    // Messages nobody consumes: the queue every exporter polls.
    private static async Task FillSharedQueueAsync(Uri broker)
    {
        var factory = new ConnectionFactory { Uri = broker };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(SharedQueue, durable: true, exclusive: false, autoDelete: false);
        for (var i = 0; i < QueuedMessages; i++)
        {
            await channel.BasicPublishAsync("", SharedQueue, System.Text.Encoding.UTF8.GetBytes($"invoice {i}"));
        }
    }

    // Each worker through its own publisher, as each worker process has one: a heartbeat, then every job sent, received,
    // started and finished. Disposing a publisher sends what it buffered; every event must be confirmed.
    private static async Task PublishAsync(Uri broker)
    {
        foreach (var worker in Workers)
        {
            var events = new EventFactory("hangfire", worker.Hostname);
            var publisher = new EventPublisher(new EventPublisherOptions { BrokerUrl = broker, FlushTimeout = TimeSpan.FromMinutes(1) });
            await using (publisher)
            {
                publisher.TryPublish(events.Worker(EventType.WorkerHeartbeat, TimeSpan.FromHours(1), active: 0, dropped: 0, publishFailures: 0));
                for (var i = 0; i < worker.Jobs; i++)
                {
                    var id = $"{worker.Hostname}-{i}";
                    publisher.TryPublish(events.Job(EventType.JobSent, JobName, "default", id));
                    publisher.TryPublish(events.Job(EventType.JobReceived, JobName, "default", id));
                    publisher.TryPublish(events.Job(EventType.JobStarted, JobName, "default", id, wait: 0.5));
                    publisher.TryPublish(i < worker.Succeeded
                        ? events.Job(EventType.JobSucceeded, JobName, "default", id, runtime: 0.2)
                        : events.Job(EventType.JobFailed, JobName, "default", id, runtime: 0.2) with { Exception = "IOException" });
                }
            }
            Assert.That((publisher.Published, publisher.Dropped), Is.EqualTo((1L + 4L * worker.Jobs, 0L)), $"{worker.Hostname}'s events confirmed");
        }
    }

    /// <summary>
    /// Waits until every target was scraped after the exporters showed their final counts, and then until every recording
    /// rule was evaluated after that: from then on each query answers with final values, and is asserted once, not
    /// retried until it happens to match (a double count passes through the right value on its way up).
    /// </summary>
    internal static async Task WaitUntilFinalAsync(PrometheusServer prometheus, int targets)
    {
        var final = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var after = final.ToString("F3", CultureInfo.InvariantCulture);
        await prometheus.WaitUntilAsync(async () =>
            (await prometheus.QueryVectorAsync($"timestamp(up{{job=\"jobexporter\"}}) > {after}")).Count == targets, Patience, "a scrape of each exporter's final page");
        await WaitForRulesAsync(prometheus, DateTimeOffset.UtcNow);
    }

    internal static Task WaitForRulesAsync(PrometheusServer prometheus, DateTimeOffset after) => prometheus.WaitUntilAsync(async () =>
        (await prometheus.RulesAsync()).GetProperty("groups").EnumerateArray().All(g => EvaluatedAt(g) > after), Patience,
        $"every rule group evaluated after {after:HH:mm:ss.fff}");

    // Prometheus writes nanoseconds; .NET reads up to 100 ns.
    private static DateTimeOffset EvaluatedAt(JsonElement group) => DateTimeOffset.Parse(
        Regex.Replace(group.GetProperty("lastEvaluation").GetString()!, @"(\.\d{7})\d+", "$1"), CultureInfo.InvariantCulture);

    internal static async Task<double[]> SamplesAsync(PrometheusServer prometheus, string expr) =>
        (await prometheus.QueryVectorAsync(expr)).Select(s => double.Parse(s.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)).ToArray();

    private static async Task<double> ValueAsync(PrometheusServer prometheus, string expr) => (await SamplesAsync(prometheus, expr)).Single();

    // The committed dashboards, as a user imports them.
    internal static JsonDocument Dashboard(string file) => JsonDocument.Parse(File.ReadAllText(Mixin.File(Path.Combine("dashboards_out", file))));

    internal static string PanelExpr(JsonDocument dashboard, string title, string type) =>
        Variables(Mixin.Exprs(Mixin.Panels(dashboard).Single(p => p.GetProperty("title").GetString() == title && p.GetProperty("type").GetString() == type)).Single());

    internal static string TargetExpr(JsonDocument dashboard, string title, string legend) =>
        Variables(Mixin.Panels(dashboard).Single(p => p.GetProperty("title").GetString() == title).GetProperty("targets").EnumerateArray()
            .Single(t => t.GetProperty("legendFormat").GetString() == legend).GetProperty("expr").GetString()!);

    // Every system, queue and job: the dashboard's "All".
    internal static string Variables(string expr) => expr.Replace("$system", ".*").Replace("$queue", ".*").Replace("$name", ".*");

    // The recording rule of workers alive per system that the worker alerts read, whatever its aggregation suffix.
    internal static string WorkersAliveRule() =>
        Regex.Match(File.ReadAllText(Mixin.File("prometheus_rules.yaml")), @"record: (system:jobs_workers_alive:\w+)").Groups[1].Value;

    /// <summary>The exporter processes, stopped together however the test ends.</summary>
    internal sealed class Exporters(List<Task<ExporterProcess>> starting) : IAsyncDisposable
    {
        public IReadOnlyList<ExporterProcess> All { get; private set; } = [];

        public async Task StartedAsync() => All = await Task.WhenAll(starting);

        public async ValueTask DisposeAsync()
        {
            foreach (var started in starting)
            {
                try
                {
                    await (await started).DisposeAsync();
                }
                catch (Exception) when (!started.IsCompletedSuccessfully)
                {
                    // It never started: nothing to stop, and the start's failure is already the test's.
                }
            }
        }
    }
}
