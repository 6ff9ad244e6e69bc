using JobExporter.Jsonnet;
using NUnit.Framework;

namespace JobExporter.Mixin.Tests;

/// <summary>What _config changes in the output, rendered through the binding with an override.</summary>
public sealed class ConfigTests
{
    [Test]
    public void Each_alert_can_be_turned_off()
    {
        var alerts = Mixin.Alerts("{ alerts+: { collectorFailing+: { enabled: false }, deadLettersGrowing+: { enabled: false } } }")
            .Select(a => a.GetProperty("alert").GetString()).ToList();

        Assert.That(alerts, Does.Not.Contain("JobExporterCollectorFailing").And.Not.Contain("JobExporterDeadLettersGrowing"));
        Assert.That(alerts, Does.Contain("JobExporterJobFailureBurst"));
    }

    [Test]
    public void Per_job_failure_thresholds_go_into_the_expression_and_the_default_excludes_them()
    {
        var bursts = Mixin.Alerts("{ alerts+: { failureBurst+: { threshold: 3, overrides: { 'Pay\"ment': { threshold: 0, severity: 'critical' } } } } }")
            .Where(a => a.GetProperty("alert").GetString() == "JobExporterJobFailureBurst")
            .ToDictionary(a => a.GetProperty("labels").GetProperty("severity").GetString()!, a => a.GetProperty("expr").GetString()!);

        Assert.That(bursts.Keys, Is.EquivalentTo(new[] { "critical", "warning" }));
        Assert.That(bursts["critical"], Does.Contain("name=\"Pay\\\"ment\"").And.EndWith("> 0\n"));
        Assert.That(bursts["warning"], Does.Contain("name!=\"Pay\\\"ment\"").And.EndWith("> 3\n"));
    }

    [Test]
    public void The_selector_and_metric_prefix_apply_everywhere()
    {
        const string config = "{ exporterSelector: 'job=\"jobs\", env=\"prod\"', metricPrefix: 'work_' }";
        var exprs = Mixin.Alerts(config).Concat(Mixin.RecordingRules(config)).Select(r => r.GetProperty("expr").GetString()!)
            .Concat(Mixin.Dashboards(config).Values.SelectMany(Mixin.Panels).SelectMany(Mixin.Exprs))
            .ToList();

        Assert.That(exprs, Has.None.Contains("job=\"jobexporter\""));
        Assert.That(exprs, Has.None.Match(@"\bjobs_[a-z]"));
        Assert.That(exprs.Count(e => e.Contains("job=\"jobs\", env=\"prod\"")), Is.GreaterThan(20));
    }

    [Test]
    public void Multi_cluster_setups_group_by_the_cluster_label_and_get_a_cluster_variable()
    {
        const string config = "{ showMultiCluster: true, clusterLabel: 'region' }";

        var burst = Mixin.Alerts(config).First(a => a.GetProperty("alert").GetString() == "JobExporterJobFailureBurst");
        var record = Mixin.RecordingRules(config).First();
        var dashboard = Mixin.Dashboards(config)["jobexporter-overview.json"];

        Assert.That(burst.GetProperty("expr").GetString(), Does.Contain("sum by (region, system, name)"));
        Assert.That(record.GetProperty("expr").GetString(), Does.Contain("sum by (region, system, queue, name)"));
        var cluster = dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Single(v => v.GetProperty("name").GetString() == "cluster");
        Assert.That(cluster.GetProperty("definition").GetString(), Does.EndWith(", region)"));
        Assert.That(Mixin.Panels(dashboard).SelectMany(Mixin.Exprs), Has.All.Contain("region=~\"$cluster\""));
    }

    [Test]
    public void A_worker_down_delay_longer_than_the_series_lifetime_is_refused()
    {
        var error = Assert.Throws<JsonnetException>(() => Mixin.Alerts("{ alerts+: { workerDown+: { 'for': '15m' } } }"))!;

        Assert.That(error.Message, Does.Contain("alerts.workerDown.for must be shorter than seriesTtl"));
    }

    [Test]
    public void A_failure_rate_window_without_a_recording_rule_is_refused()
    {
        var error = Assert.Throws<JsonnetException>(() => Mixin.Alerts("{ alerts+: { failureRate+: { window: '30m' } } }"))!;

        Assert.That(error.Message, Does.Contain("alerts.failureRate.window must be one of recordingWindows"));
    }

    [Test]
    public void A_malformed_duration_is_reported_with_its_value()
    {
        var error = Assert.Throws<JsonnetException>(() => Mixin.Alerts("{ alerts+: { workerDown+: { 'for': 'soon' } } }"))!;

        Assert.That(error.Message, Does.Contain("not a single-unit duration: \"soon\""));
    }

    [Test]
    public void An_empty_exporter_selector_is_refused()
    {
        var error = Assert.Throws<JsonnetException>(() => Mixin.Alerts("{ exporterSelector: '' }"))!;

        Assert.That(error.Message, Does.Contain("_config.exporterSelector is required"));
    }
}
