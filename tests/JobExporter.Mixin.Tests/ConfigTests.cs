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
    public void The_defaults_name_no_job_and_give_one_default_burst_rule()
    {
        var bursts = Mixin.Alerts().Where(a => a.GetProperty("alert").GetString() == "JobExporterJobFailureBurst").ToList();

        Assert.That(bursts.Select(b => b.GetProperty("labels").GetProperty("class").GetString()), Is.EqualTo(new[] { "default" }));
        Assert.That(bursts[0].GetProperty("expr").GetString(), Does.Not.Contain("name=~").And.Not.Contain("name=\""));
    }

    [Test]
    public void Burst_classes_match_by_regex_in_rank_order_and_the_default_takes_the_rest()
    {
        var bursts = Mixin.Alerts("{ alerts+: { failureBurst+: { classes+: { critical+: { name: 'Pay\"ment.*' }, low+: { name: 'Clean.*', system: 'hangfire' } } } } }")
            .Where(a => a.GetProperty("alert").GetString() == "JobExporterJobFailureBurst")
            .ToDictionary(a => a.GetProperty("labels").GetProperty("class").GetString()!, a => a);

        Assert.That(bursts.Keys, Is.EqualTo(new[] { "critical", "low", "default" }));
        Assert.That(bursts["critical"].GetProperty("labels").GetProperty("severity").GetString(), Is.EqualTo("critical"));
        Assert.That(bursts["low"].GetProperty("labels").GetProperty("severity").GetString(), Is.EqualTo("info"));
        var critical = bursts["critical"].GetProperty("expr").GetString()!;
        var low = bursts["low"].GetProperty("expr").GetString()!;
        var fallback = bursts["default"].GetProperty("expr").GetString()!;
        Assert.That(critical, Does.Contain("name=~\"Pay\\\"ment.*\"").And.Contain(">= 1\n").And.Not.Contain("unless on"));
        Assert.That(low, Does.Contain("name=~\"Clean.*\", system=~\"hangfire\"").And.Contain(">= 20\n").And.Contain(") >= 0.5\n"));
        Assert.That(low, Does.Contain("unless on (system, name)\ngroup by (system, name) (jobs_failed_total{job=\"jobexporter\", name=~\"Pay\\\"ment.*\""));
        Assert.That(fallback, Does.Contain(">= 5\n").And.Contain(") >= 0.1\n"));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(fallback, "\nunless on \\(system, name\\)\n").Count, Is.EqualTo(2));
    }

    [Test]
    public void Every_sum_over_exporters_takes_the_max_within_a_stream_and_the_larger_of_whole_streams_and_parts()
    {
        var exprs = Mixin.Alerts().Concat(Mixin.RecordingRules()).Select(r => r.GetProperty("expr").GetString()!)
            .Concat(Mixin.Dashboards().Values.SelectMany(Mixin.Panels).SelectMany(Mixin.Exprs))
            .ToList();

        var sums = exprs.Where(e => e.Contains("sum(") || e.Contains("sum by")).Where(e => e.Contains("job=\"jobexporter\"")).ToList();
        Assert.That(sums, Is.Not.Empty);
        // Either the one helper (max within a stream, sum across streams, the larger of whole and parts), or a
        // gauge of a shared queue, storage or worker, read as the max over every exporter (max by).
        Assert.That(sums, Has.All.Match(@"label_replace\(\s+max without \(instance, pod\) \(|max by \([a-z, ]+\) \((deriv\()?jobs_(queue|hangfire|worker_active|emitter)"),
            "every sum over raw series goes through common.aggregate or is a shared gauge's max");
        Assert.That(exprs.Where(e => e.Contains("sum by (system, queue, name, scope)")), Is.Not.Empty);
    }

    [Test]
    public void Replica_labels_name_the_copies_of_a_stream_and_every_target_is_still_matched_on_instance()
    {
        const string config = "{ replicaLabels: ['pod', 'replica'] }";
        var exprs = Mixin.Alerts(config).Concat(Mixin.RecordingRules(config)).Select(r => r.GetProperty("expr").GetString()!).ToList();

        Assert.That(exprs, Has.None.Contains("without (instance, pod)"));
        Assert.That(exprs.Where(e => e.Contains("jobs_failed_total")), Is.Not.Empty.And.All.Contain("max without (pod, replica)"));
        Assert.That(exprs.Where(e => e.Contains("jobs_failed_total")), Is.Not.Empty.And.All.Contain("on (instance, pod, replica) group_left"));
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

        Assert.That(burst.GetProperty("expr").GetString(), Does.Contain("max by (region, system, name) (\n  sum by (region, system, name, scope)"));
        Assert.That(record.GetProperty("expr").GetString(), Does.Contain("max by (region, system, queue, name) (\n  sum by (region, system, queue, name, scope)"));
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
