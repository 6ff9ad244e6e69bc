using System.Globalization;
using JobExporter.Testing;
using NUnit.Framework;

namespace JobExporter.Mixin.Tests;

/// <summary>
/// One fleet, deployed in every shape docs/ documents, read through the committed dashboards' own queries (with
/// the default config): the panels show the fleet's numbers whatever the shape. Three Hangfire workers run
/// Invoice.Send, each at its own speed; each exporter writes the series it would, with the `stream` it consumes.
/// </summary>
public sealed class DeploymentShapePanelTests
{
    private const string Stream = "jobs.events";

    // What each worker does, per minute: runtime histogram buckets (le 0.25, 0.5, 1, +Inf), jobs it sent, jobs it runs now.
    private static readonly Dictionary<string, (int[] Buckets, int SentPerMinute, int Active)> Workers = new()
    {
        ["w1"] = ([60, 60, 60, 60], 60, 2),
        ["w2"] = ([0, 60, 60, 60], 120, 1),
        ["w3"] = ([0, 0, 60, 60], 180, 0),
    };

    private static readonly string[] Le = ["0.25", "0.5", "1", "+Inf"];

    // Each exporter: its instance, its stream, the workers whose events it receives.
    private static IEnumerable<TestCaseData> Shapes()
    {
        yield return Shape("one central exporter", ("central", Stream, ["w1", "w2", "w3"]));
        yield return Shape("an HA pair", ("replica-a", Stream, ["w1", "w2", "w3"]), ("replica-b", Stream, ["w1", "w2", "w3"]));
        yield return Shape("sidecars", ("sidecar-1", $"{Stream}/*.*.w1", ["w1"]), ("sidecar-2", $"{Stream}/*.*.w2", ["w2"]), ("sidecar-3", $"{Stream}/*.*.w3", ["w3"]));
        yield return Shape("sharded exporters", ("shard-0", $"{Stream}/*.*.w1,*.*.w2", ["w1", "w2"]), ("shard-1", $"{Stream}/*.*.w3", ["w3"]));
        yield return Shape("a central exporter next to sidecars",
            ("central", Stream, ["w1", "w2", "w3"]), ("sidecar-1", $"{Stream}/*.*.w1", ["w1"]), ("sidecar-2", $"{Stream}/*.*.w2", ["w2"]));
    }

    private static TestCaseData Shape(string name, params (string Instance, string Stream, string[] Workers)[] exporters) =>
        new TestCaseData((object)exporters).SetArgDisplayNames(name);

    [TestCaseSource(nameof(Shapes))]
    public async Task The_panels_show_the_fleets_numbers(params (string Instance, string Stream, string[] Workers)[] exporters)
    {
        var input = new List<string>();
        foreach (var (instance, stream, workers) in exporters)
        {
            var target = $"stream=\"{stream}\", job=\"jobexporter\", instance=\"{instance}:9808\"";
            input.Add(Series($"jobs_workers_alive{{{target}, system=\"hangfire\"}}", $"{workers.Length}x10"));
            input.Add(Series($"jobs_queue_length{{{target}, system=\"hangfire\", queue=\"billing\"}}", "120x10"));
            foreach (var worker in workers)
            {
                input.Add(Series($"jobs_worker_active{{{target}, system=\"hangfire\", hostname=\"{worker}\"}}", $"{Workers[worker].Active}x10"));
            }
            // Histograms and sent counts carry no hostname: an exporter holds one series for all the workers it hears.
            var job = $"{target}, system=\"hangfire\", queue=\"billing\", name=\"Invoice.Send\"";
            for (var i = 0; i < Le.Length; i++)
            {
                input.Add(Series($"jobs_runtime_seconds_bucket{{{job}, outcome=\"succeeded\", le=\"{Le[i]}\"}}", $"0+{workers.Sum(w => Workers[w].Buckets[i])}x10"));
            }
            input.Add(Series($"jobs_sent_total{{{job}}}", $"0+{workers.Sum(w => Workers[w].SentPerMinute)}x10"));
        }
        // Runtime p50: 180 runs a minute, 60 up to 0.25 s, 60 more up to 0.5 s: the 90th lies halfway in (0.25, 0.5]. The
        // max of each bucket over the exporters would give 0.125 for sidecars (each holds a third of the runs).
        (string Dashboard, string Title, string Legend, double Value)[] expected =
        [
            ("jobexporter-overview.json", "Workers alive", "", 3),
            ("jobexporter-overview.json", "Jobs running", "", 3),
            ("jobexporter-overview.json", "Messages queued", "", 120),
            ("jobexporter-overview.json", "Runtime percentiles", "p50", 0.375),
            ("jobexporter-job.json", "Lifecycle", "sent", 6),
        ];
        var checks = expected.Select(e =>
            $"      - expr: '{Query(e.Dashboard, e.Title, e.Legend)}'\n        eval_time: 8m\n        exp_samples:\n          - labels: '{{}}'\n            value: {e.Value.ToString(CultureInfo.InvariantCulture)}\n");
        using var folder = new TempFolder("shape-panels");
        File.WriteAllText(folder.File("shape.yaml"),
            "rule_files: []\ntests:\n  - interval: 1m\n    input_series:\n" + string.Join("\n", input) + "\n    promql_expr_test:\n" + string.Concat(checks));

        var result = await Mixin.PromtoolAsync("test", "rules", folder.File("shape.yaml"));

        Assert.That(result.ExitCode, Is.Zero, result.Output);
    }

    private static string Series(string series, string values) => $"      - series: '{series}'\n        values: '{values}'";

    // A panel's query as Grafana would send it with every system, queue and job selected; a single-value
    // panel is summed as Grafana's stat shows one number.
    private static string Query(string dashboard, string title, string legend)
    {
        var target = Mixin.Panels(Mixin.Dashboards()[dashboard]).Where(p => p.GetProperty("title").GetString() == title)
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Single(t => t.GetProperty("legendFormat").GetString() == legend);
        var expr = target.GetProperty("expr").GetString()!
            .Replace("$system", ".*").Replace("$queue", ".*").Replace("$name", ".*")
            .Replace("$__rate_interval", "5m").Replace("$__range", "5m");
        return $"sum({expr})".Replace("'", "''");
    }
}
