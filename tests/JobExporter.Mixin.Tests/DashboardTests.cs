using System.Text.Json;
using JobExporter.Testing;
using NUnit.Framework;

namespace JobExporter.Mixin.Tests;

/// <summary>The dashboards are valid Grafana JSON with fixed uids, a datasource variable and no hard-coded datasource.</summary>
public sealed class DashboardTests
{
    private static readonly IReadOnlyDictionary<string, JsonDocument> Dashboards = Mixin.Dashboards();

    private static IEnumerable<string> Files() => Mixin.Dashboards().Keys;

    [Test]
    public void Dashboards_have_fixed_unique_uids()
    {
        var uids = Dashboards.Values.Select(d => d.RootElement.GetProperty("uid").GetString()).ToList();

        Assert.That(uids, Is.EquivalentTo(new[] { "jobexporter-overview", "jobexporter-job" }));
    }

    [TestCaseSource(nameof(Files))]
    public void Has_a_datasource_variable_and_label_values_variables_for_system_queue_and_job(string file)
    {
        var variables = Dashboards[file].RootElement.GetProperty("templating").GetProperty("list").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!);

        Assert.That(variables["datasource"].GetProperty("type").GetString(), Is.EqualTo("datasource"));
        Assert.That(variables["datasource"].GetProperty("query").GetString(), Is.EqualTo("prometheus"));
        foreach (var name in new[] { "system", "queue", "name" })
        {
            Assert.That(variables[name].GetProperty("type").GetString(), Is.EqualTo("query"));
            Assert.That(variables[name].GetProperty("definition").GetString(), Does.StartWith("label_values(").And.EndWith($", {name})"));
        }
    }

    [TestCaseSource(nameof(Files))]
    public void Every_datasource_reference_is_the_variable(string file)
    {
        var uids = new List<string>();
        Collect(Dashboards[file].RootElement, uids);

        Assert.That(uids, Is.Not.Empty);
        Assert.That(uids, Has.All.EqualTo("${datasource}"));
    }

    [TestCaseSource(nameof(Files))]
    public void Panels_have_unique_ids_fit_the_grid_and_query_something(string file)
    {
        var all = Dashboards[file].RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.That(all.Select(p => p.GetProperty("id").GetInt32()), Is.Unique);
        foreach (var panel in all)
        {
            var grid = panel.GetProperty("gridPos");
            Assert.That(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32(), Is.LessThanOrEqualTo(24));
        }
        foreach (var panel in Mixin.Panels(Dashboards[file]))
        {
            Assert.That(Mixin.Exprs(panel), Is.Not.Empty, panel.GetProperty("title").GetString());
            Assert.That(panel.GetProperty("description").GetString(), Is.Not.Empty);
        }
    }

    [Test]
    public void Overview_has_the_main_panels()
    {
        var titles = Mixin.Panels(Dashboards["jobexporter-overview.json"]).Select(p => p.GetProperty("title").GetString()).ToList();

        Assert.That(titles, Is.SupersetOf(new[]
        {
            "Jobs executed (24h)", "Most common jobs (24h)", "Jobs failing the most (24h)", "Workers alive",
            "Jobs running by worker", "Queue length", "Runtime percentiles", "Wait percentiles",
        }));
    }

    [Test]
    public void Failing_the_most_ranks_by_failure_share_among_jobs_with_enough_runs_and_24h_panels_count_single_runs()
    {
        var panels = Mixin.Panels(Dashboards["jobexporter-overview.json"]).GroupBy(p => p.GetProperty("title").GetString()!).ToDictionary(g => g.Key, g => g.First());
        var failing = panels["Jobs failing the most (24h)"];
        var ranking = Mixin.Exprs(failing).First();

        Assert.That(failing.GetProperty("options").GetProperty("sortBy")[0].GetProperty("displayName").GetString(), Is.EqualTo("Failed %"));
        Assert.That(ranking, Does.StartWith("topk(10,").And.Contain("jobs_failed:increase1d").And.Contain(") / sum by (system, name) (").And.Contain(">= 10\n)"));
        foreach (var title in new[] { "Jobs executed (24h)", "Most common jobs (24h)", "Jobs failing the most (24h)", "Failed jobs (24h)" })
        {
            Assert.That(Mixin.Exprs(panels[title]), Has.All.Contain(":increase1d").And.Not.Contain("rate1d"), title);
        }
    }

    // Every exporter that reads a queue or a Hangfire storage reports the same numbers: three sidecars (each
    // its own stream) or an HA pair (one stream), with the default config. The panels must show the queue's
    // own length, not that length once per exporter.
    [TestCase("jobs.events/*.*.w1", "jobs.events/*.*.w2", "jobs.events/*.*.w3")]
    [TestCase("jobs.events", "jobs.events")]
    public async Task Queue_and_storage_panels_count_a_queue_once_however_many_exporters_report_it(params string[] streams)
    {
        var panels = Mixin.Panels(Mixin.Dashboards()["jobexporter-overview.json"]).ToList();
        string Query(string title) => Mixin.Exprs(panels.Single(p => p.GetProperty("title").GetString() == title)).Single()
            .Replace("$system", ".*").Replace("$queue", ".*");
        var series = new[]
        {
            ("jobs_queue_length{system=\"hangfire\", queue=\"default\"}", 120),
            ("jobs_queue_length{system=\"rabbitmq\", queue=\"orders\"}", 5),
            ("jobs_queue_oldest_age_seconds{system=\"hangfire\", queue=\"default\"}", 30),
            ("jobs_hangfire_jobs{state=\"enqueued\"}", 120),
        };
        var input = from exporter in streams.Select((stream, i) => (Stream: stream, Instance: $"exporter-{i}"))
                    from s in series
                    select $"      - series: '{s.Item1.Replace("{", $"{{stream=\"{exporter.Stream}\", job=\"jobexporter\", instance=\"{exporter.Instance}:9808\", ")}'\n        values: '{s.Item2}x10'";
        (string Title, string Labels, int Value)[] expected =
        [
            ("Messages queued", "{}", 125),
            ("Queue length", "{system=\"hangfire\", queue=\"default\"}", 120),
            ("Queue length", "{system=\"rabbitmq\", queue=\"orders\"}", 5),
            ("Oldest message age", "{system=\"hangfire\", queue=\"default\"}", 30),
            ("Hangfire jobs by state", "{state=\"enqueued\"}", 120),
        ];
        var checks = expected.GroupBy(e => e.Title).Select(panel =>
            $"      - expr: '{Query(panel.Key)}'\n        eval_time: 5m\n        exp_samples:\n"
            + string.Concat(panel.Select(e => $"          - labels: '{e.Labels}'\n            value: {e.Value}\n")));
        using var folder = new TempFolder("dashboard-queries");
        File.WriteAllText(folder.File("queues.yaml"),
            "rule_files: []\ntests:\n  - interval: 1m\n    input_series:\n" + string.Join("\n", input) + "\n    promql_expr_test:\n" + string.Concat(checks));

        var result = await Mixin.PromtoolAsync("test", "rules", folder.File("queues.yaml"));

        Assert.That(result.ExitCode, Is.Zero, result.Output);
    }

    private static void Collect(JsonElement element, List<string> uids)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "datasource" && property.Value.ValueKind == JsonValueKind.Object) uids.Add(property.Value.GetProperty("uid").GetString()!);
                else Collect(property.Value, uids);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray()) Collect(item, uids);
        }
    }
}
