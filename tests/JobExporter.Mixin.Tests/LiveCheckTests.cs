using System.Diagnostics;
using System.Text;
using System.Text.Json;
using JobExporter.Contracts;
using JobExporter.Testing;
using NUnit.Framework;
using RabbitMQ.Client;

namespace JobExporter.Mixin.Tests;

/// <summary>
/// The mixin against the real thing: a RabbitMQ node, the exporter binary fed with events over it, and
/// Debian's Prometheus scraping the exporter every second with the rendered rules loaded. The rules are
/// rendered through the binding with InvoiceJob.Send in the critical failure-burst class and a 2m window.
/// </summary>
[NonParallelizable]
public sealed class LiveCheckTests
{
    private const string LiveConfig = "{ alerts+: { failureBurst+: { window: '2m', classes+: { critical+: { name: 'InvoiceJob\\\\..*' } } } } }";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly EventFactory _hangfire = new("hangfire", "hf-worker-1");
    private readonly EventFactory _massTransit = new("masstransit", "mt-worker-1");

    [Test]
    public async Task Rules_load_every_expression_evaluates_the_overview_shows_data_and_a_failure_burst_fires()
    {
        await using var broker = await RabbitMqNode.StartAsync();
        await FillQueueAsync(broker.AmqpUrl, "orders", 3);
        await FillQueueAsync(broker.AmqpUrl, "orders_error", 1);
        await using var exporter = await ExporterProcess.StartAsync(broker.AmqpUrl,
            "--systems", "hangfire,masstransit", "--rabbitmq.queues", "masstransit/orders,masstransit/orders_error", "--rabbitmq.poll-interval", "1s");
        using var rendered = new TempFolder("mixin-live");
        MixinRenderer.Write(MixinRenderer.Render(Mixin.Folder, LiveConfig), rendered.Path);
        await using var prometheus = await PrometheusServer.StartAsync(
            new Dictionary<string, string[]> { ["jobexporter"] = [$"127.0.0.1:{exporter.Port}"] },
            [rendered.File("prometheus_rules.yaml"), rendered.File("prometheus_alerts.yaml")]);
        await using var publisher = new EventPublisher(new EventPublisherOptions { BrokerUrl = broker.AmqpUrl });

        // Two waves of ordinary work, the second after Prometheus has seen the first, so that rates are positive.
        PublishWorkers(publisher);
        PublishRuns(publisher);
        await WaitForDataAsync(prometheus, "jobs_succeeded_total{job=\"jobexporter\"}");
        PublishRuns(publisher);

        await AssertRulesLoadedAndHealthyAsync(prometheus);

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            publisher.TryPublish(_hangfire.Job(EventType.JobFailed, "InvoiceJob.Send", "default") with { Runtime = 0.1, Exception = "TimeoutException" });
        }
        JsonElement? firing = null;
        await prometheus.WaitUntilAsync(async () =>
        {
            firing = (await prometheus.AlertsAsync()).Cast<JsonElement?>().FirstOrDefault(a =>
                a!.Value.GetProperty("labels").GetProperty("alertname").GetString() == "JobExporterJobFailureBurst"
                && a.Value.GetProperty("labels").GetProperty("name").GetString() == "InvoiceJob.Send"
                && a.Value.GetProperty("state").GetString() == "firing");
            return firing is not null;
        }, Patience, "JobExporterJobFailureBurst to fire for InvoiceJob.Send");
        var secondsToFire = clock.Elapsed.TotalSeconds;
        TestContext.Out.WriteLine($"JobExporterJobFailureBurst fired {secondsToFire:F1} s after the first failure was published (scrape and evaluation every 1 s, for: 0s).");

        var labels = firing!.Value.GetProperty("labels");
        Assert.That(labels.GetProperty("severity").GetString(), Is.EqualTo("critical"));
        Assert.That(labels.GetProperty("class").GetString(), Is.EqualTo("critical"));
        Assert.That(labels.GetProperty("system").GetString(), Is.EqualTo("hangfire"));
        // A new series (exception TimeoutException) born while Prometheus watched: its first failures count.
        Assert.That(firing.Value.GetProperty("annotations").GetProperty("description").GetString(),
            Does.Match(@"^[123] runs of InvoiceJob\.Send \(hangfire\) failed in the last 2m"));
        Assert.That(secondsToFire, Is.LessThan(30), "one scrape and one evaluation (1 s each), plus the broker and the exporter");

        await AssertEveryExpressionEvaluatesAsync(prometheus, rendered);
        // The percentile panels read one-minute rates: on a slow machine the waves above can be older than that by now.
        // A healthy system keeps working, so successful runs go on while the panels are read.
        using var stopWorking = new CancellationTokenSource();
        var working = KeepSucceedingAsync(publisher, stopWorking.Token);
        try
        {
            await AssertOverviewShowsDataAsync(prometheus);
            await AssertByJobShowsDataAsync(prometheus, "ReportJob.Build");
        }
        finally
        {
            await stopWorking.CancelAsync();
            await working;
        }
        await AssertNoUnexpectedAlertFiresAsync(prometheus);
    }

    private void PublishWorkers(EventPublisher publisher)
    {
        // A long announced interval keeps both workers up for the whole test without more heartbeats.
        foreach (var factory in new[] { _hangfire, _massTransit })
        {
            publisher.TryPublish(factory.Worker(EventType.WorkerOnline, TimeSpan.FromMinutes(5)));
            publisher.TryPublish(factory.Worker(EventType.WorkerHeartbeat, TimeSpan.FromMinutes(5), active: 2, dropped: 0));
        }
    }

    private void PublishRuns(EventPublisher publisher)
    {
        PublishSuccesses(publisher);
        Run(publisher, _hangfire, "ReportJob.Build", "reports", 1, 0.5, "IOException");
    }

    private void PublishSuccesses(EventPublisher publisher)
    {
        Run(publisher, _hangfire, "InvoiceJob.Send", "default", 3, 0.05);
        Run(publisher, _hangfire, "ReportJob.Build", "reports", 5, 0.5);
        Run(publisher, _massTransit, "OrderConsumer", "orders", 6, 0.02);
    }

    /// <summary>The successful runs of <see cref="PublishRuns"/> again every two seconds, until cancelled.</summary>
    private async Task KeepSucceedingAsync(EventPublisher publisher, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            PublishSuccesses(publisher);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void Run(EventPublisher publisher, EventFactory factory, string name, string queue, int times, double runtime, string? exception = null)
    {
        for (var i = 0; i < times; i++)
        {
            publisher.TryPublish(factory.Job(EventType.JobSent, name, queue));
            publisher.TryPublish(factory.Job(EventType.JobReceived, name, queue));
            publisher.TryPublish(factory.Job(EventType.JobStarted, name, queue) with { Wait = 0.2 * (i + 1) });
            publisher.TryPublish(exception is null
                ? factory.Job(EventType.JobSucceeded, name, queue) with { Runtime = runtime * (i + 1) }
                : factory.Job(EventType.JobFailed, name, queue) with { Runtime = runtime, Exception = exception });
        }
    }

    private static async Task AssertRulesLoadedAndHealthyAsync(PrometheusServer prometheus)
    {
        var expected = Mixin.Alerts(LiveConfig).Count() + Mixin.RecordingRules(LiveConfig).Count();
        List<JsonElement> rules = [];
        await prometheus.WaitUntilAsync(async () =>
        {
            rules = (await prometheus.RulesAsync()).GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
            return rules.Count == expected && rules.All(r => r.GetProperty("health").GetString() != "unknown");
        }, Patience, $"{expected} rules loaded and evaluated");

        var unhealthy = rules.Where(r => r.GetProperty("health").GetString() != "ok")
            .Select(r => $"{r.GetProperty("name").GetString()}: {r.GetProperty("lastError").GetString()}").ToList();
        Assert.That(unhealthy, Is.Empty);
        TestContext.Out.WriteLine($"{rules.Count} rules loaded in Prometheus, all healthy.");
    }

    private static async Task AssertEveryExpressionEvaluatesAsync(PrometheusServer prometheus, TempFolder rendered)
    {
        var exprs = Mixin.Alerts(LiveConfig).Concat(Mixin.RecordingRules(LiveConfig)).Select(r => r.GetProperty("expr").GetString()!).ToList();
        var panelExprs = Mixin.Dashboards(LiveConfig).Values.SelectMany(Mixin.Panels).SelectMany(Mixin.Exprs).Select(Substitute).ToList();
        var errors = new List<string>();
        foreach (var expr in exprs.Concat(panelExprs))
        {
            try
            {
                await prometheus.QueryAsync(expr);
            }
            catch (PrometheusQueryException e)
            {
                errors.Add(e.Message);
            }
        }
        Assert.That(errors, Is.Empty);
        TestContext.Out.WriteLine($"{exprs.Count} rule expressions and {panelExprs.Count} dashboard expressions evaluated without error.");
    }

    private static async Task AssertOverviewShowsDataAsync(PrometheusServer prometheus)
    {
        string[] main =
        [
            "Jobs executed (24h)", "Success rate (24h)", "Failed jobs (24h)", "Workers alive", "Jobs running", "Messages queued",
            "Most common jobs (24h)", "Jobs failing the most (24h)", "Job outcomes", "Runs by job", "Jobs running by worker",
            "Queue length", "Runtime percentiles", "Wait percentiles", "Events received", "Exporter health",
        ];
        var overview = Mixin.Dashboards(LiveConfig)["jobexporter-overview.json"];
        var empty = new List<string>();
        foreach (var panel in Mixin.Panels(overview).Where(p => main.Contains(p.GetProperty("title").GetString())))
        {
            var title = panel.GetProperty("title").GetString()!;
            foreach (var expr in Mixin.Exprs(panel).Select(Substitute))
            {
                try
                {
                    await prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync(expr)).Any(HasNumber), TimeSpan.FromSeconds(30), title);
                }
                catch (TimeoutException)
                {
                    empty.Add($"{title}: {expr}");
                }
            }
        }
        Assert.That(empty, Is.Empty, "panels without data");
        TestContext.Out.WriteLine($"{main.Length} main overview panels returned data.");
    }

    private static async Task AssertByJobShowsDataAsync(PrometheusServer prometheus, string job)
    {
        var dashboard = Mixin.Dashboards(LiveConfig)["jobexporter-job.json"];
        var empty = new List<string>();
        var panels = Mixin.Panels(dashboard).ToList();
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString()!;
            foreach (var expr in Mixin.Exprs(panel).Select(e => Substitute(e, job.Replace(".", "\\\\."))))
            {
                try
                {
                    await prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync(expr)).Any(HasNumber), TimeSpan.FromSeconds(30), title);
                }
                catch (TimeoutException)
                {
                    empty.Add($"{title}: {expr}");
                }
            }
        }
        Assert.That(empty, Is.Empty, "By job panels without data");
        TestContext.Out.WriteLine($"All {panels.Count} By job panels returned data for {job}.");
    }

    private static async Task AssertNoUnexpectedAlertFiresAsync(PrometheusServer prometheus)
    {
        var firing = (await prometheus.AlertsAsync())
            .Where(a => a.GetProperty("state").GetString() == "firing")
            .Select(a => $"{a.GetProperty("labels").GetProperty("alertname").GetString()} {a.GetProperty("labels")}")
            .Where(a => !a.Contains("\"name\":\"InvoiceJob.Send\""))
            .ToList();
        Assert.That(firing, Is.Empty);
    }

    private static async Task WaitForDataAsync(PrometheusServer prometheus, string expr) =>
        await prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync(expr)).Count > 0, Patience, expr);

    // Grafana's variables, as a user with every value selected would send them.
    private static string Substitute(string expr) => Substitute(expr, ".*");

    // namePattern goes into a PromQL string as a regex, so a literal dot is backslash-backslash-dot there.
    private static string Substitute(string expr, string namePattern) => expr
        .Replace("$__rate_interval", "1m").Replace("$__range", "1h")
        .Replace("$cluster", ".*").Replace("$system", ".*").Replace("$queue", ".*").Replace("$name", namePattern);

    private static bool HasNumber(JsonElement sample)
    {
        var value = sample.GetProperty("value")[1].GetString();
        return value is not null && value != "NaN";
    }

    private static async Task FillQueueAsync(Uri broker, string queue, int messages)
    {
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        for (var i = 0; i < messages; i++)
        {
            await channel.BasicPublishAsync("", queue, false, new BasicProperties(), Encoding.UTF8.GetBytes("waiting"));
        }
    }
}
