using System.Text.Json;
using System.Text.RegularExpressions;
using JobExporter.Testing;
using NUnit.Framework;
using YamlDotNet.RepresentationModel;

namespace JobExporter.Mixin.Tests;

/// <summary>The rendered rules pass promtool's checks, and promtool's unit tests in mixin/tests pass and cover every rule.</summary>
public sealed class PromtoolTests
{
    private static readonly string[] TestFiles = Directory.GetFiles(Mixin.File("tests"), "*.yaml").Order(StringComparer.Ordinal).ToArray();

    [TestCase("prometheus_alerts.yaml")]
    [TestCase("prometheus_rules.yaml")]
    public async Task Promtool_check_rules_passes(string file)
    {
        var result = await Mixin.PromtoolAsync("check", "rules", Mixin.File(file));

        Assert.That(result.ExitCode, Is.Zero, result.Output);
        Assert.That(result.Output, Does.Contain("SUCCESS"));
    }

    [Test]
    public async Task The_groups_of_the_PrometheusRule_manifest_pass_promtool_check_rules()
    {
        var manifest = new YamlStream();
        manifest.Load(new StringReader(File.ReadAllText(Mixin.File("prometheus_rule.yaml"))));
        var root = (YamlMappingNode)manifest.Documents[0].RootNode;
        Assert.That(((YamlScalarNode)root["apiVersion"]).Value, Is.EqualTo("monitoring.coreos.com/v1"));
        Assert.That(((YamlScalarNode)root["kind"]).Value, Is.EqualTo("PrometheusRule"));
        using var folder = new TempFolder("promrule");
        var groups = new YamlStream(new YamlDocument(new YamlMappingNode { { "groups", root["spec"]["groups"] } }));
        using (var writer = new StreamWriter(folder.File("groups.yaml"))) groups.Save(writer, assignAnchors: false);

        var result = await Mixin.PromtoolAsync("check", "rules", folder.File("groups.yaml"));

        Assert.That(result.ExitCode, Is.Zero, result.Output);
        Assert.That(result.Output, Does.Contain($"SUCCESS: {Mixin.Alerts().Count() + Mixin.RecordingRules().Count()} rules found"));
    }

    private static IEnumerable<string> TestFileNames() => TestFiles.Select(Path.GetFileName)!;

    // One case per file (each scenario is one situation), judged by promtool's exit code.
    [TestCaseSource(nameof(TestFileNames))]
    public async Task Promtool_unit_tests_pass(string file)
    {
        var result = await Mixin.PromtoolAsync("test", "rules", Mixin.File("tests/" + file));

        Assert.That(result.ExitCode, Is.Zero, result.Output);
    }

    [Test]
    public void There_is_one_scenario_per_situation_operators_live_through()
    {
        string[] situations =
        [
            "busy_healthy", "scrape_gap", "prometheus_restart", "exporter_redeploy", "ha_pair", "rolling_deploy", "long_outage",
            "skipped_queue", "clock_skew", "rare_jobs", "idle_system", "burst_critical", "burst_default", "burst_low",
            // Deployment shapes (the HA pair and the exporter redeploy above are two of them).
            "sidecars", "sidecar_autoscale", "sharded", "central_and_sidecars", "job_hostname_dropped",
        ];

        Assert.That(TestFileNames().Where(f => f.StartsWith("scenario_", StringComparison.Ordinal)),
            Is.EquivalentTo(situations.Select(s => $"scenario_{s}.yaml")));
    }

    [Test]
    public void Every_alert_has_a_unit_test_that_fires_it_and_one_where_it_stays_silent()
    {
        var tests = TestFiles.Select(File.ReadAllText).ToList();
        foreach (var alert in Mixin.Alerts().Select(a => a.GetProperty("alert").GetString()!).Distinct())
        {
            var mine = tests.Where(t => t.Contains($"alertname: {alert}\n", StringComparison.Ordinal)).ToList();
            Assert.That(mine, Is.Not.Empty, $"{alert} has no promtool test in mixin/tests");
            var text = string.Join("\n", mine);
            Assert.That(FiringCase(alert).IsMatch(text), Is.True, $"{alert}: no case where it fires (exp_alerts with labels)");
            Assert.That(SilentCase(alert).IsMatch(text), Is.True, $"{alert}: no case where it must not fire (exp_alerts: [])");
        }
    }

    [Test]
    public void Every_recording_rule_has_a_promql_expr_test()
    {
        var tests = string.Join("\n", TestFiles.Select(File.ReadAllText));
        foreach (var record in Mixin.RecordingRules().Select(r => r.GetProperty("record").GetString()!))
        {
            Assert.That(tests, Does.Contain($"- expr: {record}\n"), $"{record} has no promql_expr_test");
        }
    }

    private static Regex FiringCase(string alert) =>
        new($@"alertname: {alert}\n\s+exp_alerts:\n\s+- exp_labels:");

    private static Regex SilentCase(string alert) =>
        new($@"alertname: {alert}\n\s+exp_alerts: \[\]");
}
