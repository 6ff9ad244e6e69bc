using System.Globalization;
using System.Text.Json;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery.CeleryMixin;

/// <summary>
/// JobExporter with <c>--celery.exporter-names</c> as a drop-in for celery-exporter: a real Celery worker (-E) runs real
/// tasks, a real Prometheus scrapes the exporter, and every celery-mixin alert expression, dashboard target and dashboard
/// variable query returns data. The broker is a subclass's: <see cref="CeleryMixinOverRabbitMqTests"/>,
/// <see cref="CeleryMixinOverRedisTests"/>.
/// <para>
/// Nothing is mocked and no threshold is lowered: the worker fails tasks (CeleryTaskHighFailRate), is stopped
/// (CeleryWorkerDown), and 101 tasks then wait in its queue (CeleryHighQueueLength, above 100). Each expression is run as a
/// range query over the test's window, as a dashboard panel or an alert's evaluations over that time would be, and must
/// return at least one number (not NaN) there.
/// </para>
/// </summary>
public abstract class CeleryMixinDropInTests
{
    // celery-mixin's default selector is job=~".*celery.*": the scrape job must be named so.
    private const string ScrapeJob = "jobexporter-celery";
    private const string Cluster = "test-cluster";
    private const string Namespace = "celery-dropin";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A worker with task events on (-E), on this broker.</summary>
    protected abstract CeleryWorker StartWorker();

    /// <summary>The exporter reading <paramref name="worker"/>'s events and polling its queue on this broker, with <paramref name="args"/> added.</summary>
    protected abstract Task<ExporterProcess> StartExporterAsync(CeleryWorker worker, string[] args);

    [Test]
    public async Task Every_celery_mixin_alert_and_dashboard_query_returns_data()
    {
        var queries = CeleryMixinQueries.Load();
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        await using var worker = StartWorker();
        // The cluster and namespace labels that celery-mixin's dashboards select on come, in Kubernetes, from the scrape;
        // here from the exporter's static labels.
        await using var exporter = await StartExporterAsync(worker, ["--celery.exporter-names", "--rabbitmq.poll-interval", "1s",
            "--metrics.static-label", $"cluster={Cluster}", "--metrics.static-label", $"namespace={Namespace}"]);
        await using var prometheus = await PrometheusServer.StartAsync(
            new Dictionary<string, string[]> { [ScrapeJob] = [$"127.0.0.1:{exporter.Port}"] }, []);
        await WaitForPrometheus(prometheus, $"max(celery_worker_up{{job=\"{ScrapeJob}\"}}) == 1", "the worker to be up", worker);

        // Two rounds: Prometheus sees a new series from its first sample on, so increase() and rate() need a second
        // round to count anything. Each round: 5 add (+1 revoked), 2 fail, 1 flaky retried twice, 1 refuse.
        for (var round = 1; round <= 2; round++)
        {
            await worker.SendTasksAsync(succeeding: 5, failing: 2, retriedTwice: 1, rejected: 1, revoked: 1);
            foreach (var (counter, perRound) in new[] { ("succeeded", 6), ("failed", 2), ("retried", 2), ("rejected", 1), ("revoked", 1), ("sent", 12), ("received", 11), ("started", 11) })
            {
                await WaitForPrometheus(prometheus, $"sum(celery_task_{counter}_total) == {perRound * round}", $"round {round}: {perRound * round} {counter}", worker);
            }
            await WaitForPrometheus(prometheus, $"sum(celery_task_runtime_count) == {6 * round}", $"round {round}: {6 * round} runtimes", worker);
        }

        await worker.StopAsync();
        await WaitForPrometheus(prometheus, "max(celery_worker_up) == 0", "the stopped worker to be down", worker);
        // No worker consumes its queue now: these wait there.
        await worker.SendTasksAsync(succeeding: 101, failing: 0, retriedTwice: 0, rejected: 0, revoked: 0);
        await WaitForPrometheus(prometheus, $"max(celery_queue_length{{queue_name=\"{worker.TaskQueue}\"}}) >= 101", "101 tasks in the queue", worker);
        // The range queries step by 1 s from the start: the last step must come after the sample just seen, so the window
        // ends a second later, once Prometheus has scraped past it.
        var end = DateTimeOffset.UtcNow.AddSeconds(1);
        await WaitForPrometheus(prometheus, $"max(timestamp(up{{job=\"{ScrapeJob}\"}})) > {Unix(end)}", "a scrape after the window", worker);

        var failures = new List<string>();
        var values = await ResolveVariablesAsync(prometheus, queries, start, end, failures);
        // Grafana's built-ins: its default rate interval (4 x a 15 s scrape interval) and the whole test as the time range.
        values["__rate_interval"] = "1m";
        values["__range"] = $"{(int)Math.Ceiling((end - start).TotalSeconds) + 1}s";
        var checkedCount = queries.Variables.Count;
        foreach (var (what, expr) in queries.Alerts.Select(a => ($"alert {a.What}", a.Expr)).Concat(queries.DashboardTargets.Select(t => ($"panel {t.What}", t.Expr))))
        {
            var filled = CeleryMixinQueries.Fill(expr, values);
            checkedCount++;
            try
            {
                if (!await ReturnsNumbersAsync(prometheus, filled, start, end)) failures.Add($"{what}: no data for\n{filled}");
            }
            catch (PrometheusQueryException e)
            {
                failures.Add($"{what}: {e.Message}\n{filled}");
            }
        }
        TestContext.Out.WriteLine($"Checked {checkedCount} celery-mixin expressions: {queries.Alerts.Count} alerts, {queries.DashboardTargets.Count} dashboard targets, " +
            $"{queries.Variables.Count} dashboard variables; {failures.Count} without data.");
        Assert.That(failures, Is.Empty, string.Join("\n\n", failures));
        Assert.That(checkedCount, Is.EqualTo(83), "3 alerts, 71 targets and 9 variables in the fixture");
    }

    // Each dashboard's variables, resolved in order as Grafana does (each may use those before it). A single-value
    // variable takes the first value, a multi-value one all of them (a user who ticks every queue or task).
    private static async Task<Dictionary<string, string>> ResolveVariablesAsync(PrometheusServer prometheus, CeleryMixinQueries queries,
        DateTimeOffset start, DateTimeOffset end, List<string> failures)
    {
        var values = new Dictionary<string, string>();
        foreach (var v in queries.Variables)
        {
            var selector = CeleryMixinQueries.Fill(v.Selector, values);
            var found = await LabelValuesAsync(prometheus, selector, v.Label, start, end);
            if (found.Count == 0)
            {
                failures.Add($"variable {v.Dashboard} / {v.Name}: no values for label_values({selector}, {v.Label})");
                continue;
            }
            var value = v.Multi ? CeleryMixinQueries.MultiValue(found) : found[0];
            if (values.TryGetValue(v.Name, out var earlier) && earlier != value)
            {
                failures.Add($"variable {v.Name}: {earlier} on one dashboard, {value} on another");
            }
            values[v.Name] = value;
        }
        Assert.That(values.GetValueOrDefault("cluster"), Is.EqualTo(Cluster));
        Assert.That(values.GetValueOrDefault("job"), Is.EqualTo(ScrapeJob));
        return values;
    }

    private static async Task<List<string>> LabelValuesAsync(PrometheusServer prometheus, string selector, string label, DateTimeOffset start, DateTimeOffset end)
    {
        var data = await GetAsync(prometheus, $"api/v1/series?match[]={Uri.EscapeDataString(selector)}&start={Unix(start)}&end={Unix(end)}");
        return [.. data.EnumerateArray().Select(s => s.TryGetProperty(label, out var value) ? value.GetString()! : "")
            .Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal)];
    }

    private static async Task<bool> ReturnsNumbersAsync(PrometheusServer prometheus, string expr, DateTimeOffset start, DateTimeOffset end)
    {
        var data = await GetAsync(prometheus, $"api/v1/query_range?query={Uri.EscapeDataString(expr)}&start={Unix(start)}&end={Unix(end)}&step=1");
        return data.GetProperty("result").EnumerateArray()
            .SelectMany(series => series.GetProperty("values").EnumerateArray())
            .Any(point => point[1].GetString() != "NaN");
    }

    private static async Task<JsonElement> GetAsync(PrometheusServer prometheus, string pathAndQuery)
    {
        using var response = await Http.GetAsync(new Uri(prometheus.BaseUrl, pathAndQuery));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (doc.RootElement.GetProperty("status").GetString() != "success")
        {
            throw new PrometheusQueryException($"{doc.RootElement.GetProperty("errorType").GetString()}: {doc.RootElement.GetProperty("error").GetString()}");
        }
        return doc.RootElement.GetProperty("data").Clone();
    }

    private static Task WaitForPrometheus(PrometheusServer prometheus, string expr, string what, CeleryWorker worker) =>
        prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync(expr)).Count > 0, TimeSpan.FromSeconds(120),
            $"{what} ({expr})\nWorker output:\n{worker.Output}");

    private static string Unix(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString("F3", CultureInfo.InvariantCulture);
}
