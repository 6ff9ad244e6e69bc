using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>Every Prometheus and Alertmanager configuration under deploy/ is accepted by the real tools.</summary>
public sealed class ConfigCheckTests
{
    private const string Promtool = "/usr/bin/promtool";
    private const string Amtool = "/usr/bin/amtool";

    public static IEnumerable<TestCaseData> PrometheusConfigs() =>
        DeployFiles.PrometheusConfigs().Select(f => new TestCaseData(DeployFiles.Relative(f)).SetArgDisplayNames(DeployFiles.Relative(f)));

    public static IEnumerable<TestCaseData> AlertmanagerConfigs() =>
        DeployFiles.AlertmanagerConfigs().Select(f => new TestCaseData(DeployFiles.Relative(f)).SetArgDisplayNames(DeployFiles.Relative(f)));

    [Test]
    public void There_is_a_Prometheus_and_an_Alertmanager_config_for_make_run_compose_and_production()
    {
        Assert.That(PrometheusConfigs().Select(c => c.Arguments[0]), Is.EquivalentTo(new[]
        {
            "deploy/compose/prometheus.yml", "deploy/local/prometheus.yml", "deploy/prometheus/prometheus.yml",
        }));
        Assert.That(AlertmanagerConfigs().Select(c => c.Arguments[0]), Is.EquivalentTo(new[]
        {
            "deploy/alertmanager/alertmanager.yml", "deploy/compose/alertmanager.yml", "deploy/local/alertmanager.yml",
        }));
    }

    /// <summary>Each config names the mixin's rendered rule files as rules/&lt;file&gt;; they are put there, as the deployments do.</summary>
    [TestCaseSource(nameof(PrometheusConfigs))]
    public async Task Prometheus_config_with_the_mixin_rules_passes_promtool_check_config(string config)
    {
        using var folder = new TempFolder("promtool");
        File.Copy(Path.Combine(RepositoryPaths.Root, config), folder.File("prometheus.yml"));
        var document = DeployFiles.Documents(Path.Combine(RepositoryPaths.Root, config)).Single();
        var ruleFiles = DeployFiles.List(DeployFiles.At(document, "rule_files")).Select(r => DeployFiles.Str(r)!).ToList();
        Assert.That(ruleFiles.Select(Path.GetFileName), Is.EquivalentTo(new[] { "prometheus_alerts.yaml", "prometheus_rules.yaml" }));
        foreach (var rule in ruleFiles)
        {
            Assert.That(rule, Does.StartWith("rules/"), "rule files are mounted or copied into rules/ beside the config");
            Directory.CreateDirectory(Path.GetDirectoryName(folder.File(rule))!);
            File.Copy(Path.Combine(RepositoryPaths.Root, RulesFolder(config), Path.GetFileName(rule)), folder.File(rule));
        }
        var result = await ProcessRunner.RunAsync(Promtool, ["check", "config", folder.File("prometheus.yml")], timeout: TimeSpan.FromSeconds(60));
        Assert.That(result.ExitCode, Is.Zero, result.Output);
        Assert.That(result.Output, Does.Contain("SUCCESS: 12 rules found").Or.Contain("rules found"));
    }

    // `make run` loads the demo's own rendering (its failure-burst classes); the other setups load the mixin's defaults.
    private static string RulesFolder(string config) => config == "deploy/local/prometheus.yml" ? "deploy/local/rules" : "mixin";

    [Test]
    public void The_demo_loads_its_own_rendering_where_its_critical_job_pages_and_the_defaults_name_no_job()
    {
        var script = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "scripts", "run-demo.sh"));
        var demo = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "local", "rules", "prometheus_alerts.yaml"));
        var defaults = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "mixin", "prometheus_alerts.yaml"));

        Assert.That(script, Does.Contain("\"$root/deploy/local/rules/prometheus_alerts.yaml\""));
        Assert.That(demo, Does.Contain("name=~\"InvoiceJob\\\\..*\"").And.Contain("class: critical"));
        Assert.That(defaults, Does.Not.Contain("InvoiceJob").And.Not.Contain("class: critical"));
    }

    [TestCaseSource(nameof(PrometheusConfigs))]
    public void Prometheus_config_scrapes_the_exporter_as_the_job_the_mixin_selects(string config)
    {
        var document = DeployFiles.Documents(Path.Combine(RepositoryPaths.Root, config)).Single();
        var jobs = DeployFiles.List(DeployFiles.At(document, "scrape_configs")).Select(s => DeployFiles.Str(DeployFiles.At(s, "job_name"))).ToList();
        Assert.That(jobs, Is.EqualTo(new[] { MixinJob() }));
    }

    [Test]
    public void PodMonitor_and_ServiceMonitor_label_their_targets_with_the_job_the_mixin_selects()
    {
        var monitors = DeployFiles.KubernetesManifests().SelectMany(DeployFiles.Documents)
            .Where(d => DeployFiles.Str(DeployFiles.At(d, "kind")) is "PodMonitor" or "ServiceMonitor").ToList();
        Assert.That(monitors, Has.Count.EqualTo(2));
        foreach (var monitor in monitors)
        {
            var endpoints = DeployFiles.List(DeployFiles.At(monitor, "spec", "podMetricsEndpoints") ?? DeployFiles.At(monitor, "spec", "endpoints"));
            Assert.That(endpoints, Is.Not.Empty);
            foreach (var endpoint in endpoints)
            {
                var relabel = DeployFiles.List(DeployFiles.At(endpoint, "relabelings")).Single(r => DeployFiles.Str(DeployFiles.At(r, "targetLabel")) == "job");
                Assert.That(DeployFiles.At(relabel, "replacement"), Is.EqualTo(MixinJob()));
            }
        }
    }

    [TestCaseSource(nameof(AlertmanagerConfigs))]
    public async Task Alertmanager_config_passes_amtool_check_config(string config)
    {
        var result = await ProcessRunner.RunAsync(Amtool, ["check-config", Path.Combine(RepositoryPaths.Root, config)], timeout: TimeSpan.FromSeconds(60));
        Assert.That(result.ExitCode, Is.Zero, result.Output);
        Assert.That(result.Output, Does.Contain("SUCCESS"));
    }

    [TestCaseSource(nameof(AlertmanagerConfigs))]
    public async Task Alertmanager_routes_critical_alerts_to_the_pager_and_warnings_to_chat(string config)
    {
        foreach (var (severity, receiver) in new[] { ("critical", "pager"), ("warning", "chat") })
        {
            var result = await ProcessRunner.RunAsync(Amtool,
                ["config", "routes", "test", "--config.file", Path.Combine(RepositoryPaths.Root, config), "alertname=JobExporterWorkerDown", $"severity={severity}"],
                timeout: TimeSpan.FromSeconds(60));
            Assert.That(result.ExitCode, Is.Zero, result.Output);
            // amtool also prints a warning that --config.file overrides --alertmanager.url; the other line names the receivers.
            var receivers = result.Output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("Warning:", StringComparison.Ordinal));
            Assert.That(receivers, Is.EqualTo(new[] { receiver }), $"severity={severity}: {result.Output}");
        }
    }

    /// <summary>The job of mixin/config.libsonnet's exporterSelector (job="...").</summary>
    private static string MixinJob()
    {
        var config = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "mixin", "config.libsonnet"));
        var match = System.Text.RegularExpressions.Regex.Match(config, @"(?m)^\s+exporterSelector:\s*'job=""([^""]+)""'");
        Assert.That(match.Success, "mixin/config.libsonnet sets exporterSelector: 'job=\"...\"'");
        return match.Groups[1].Value;
    }
}
