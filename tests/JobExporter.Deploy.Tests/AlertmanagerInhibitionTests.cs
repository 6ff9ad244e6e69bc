using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>
/// Each shipped Alertmanager config, in a real Alertmanager that receives the alerts as Prometheus would post them
/// (labels as the mixin's rules give them): while an exporter is cut off from the broker or not scraped, the
/// worker and backlog alerts that follow from it wait, in its own scope only.
/// </summary>
[NonParallelizable]
public sealed class AlertmanagerInhibitionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [TestCaseSource(typeof(ConfigCheckTests), nameof(ConfigCheckTests.AlertmanagerConfigs))]
    public async Task A_central_exporter_cut_off_from_the_broker_holds_back_its_clusters_worker_and_backlog_alerts(string config)
    {
        await using var alertmanager = await AlertmanagerServer.StartAsync(Path.Combine(RepositoryPaths.Root, config));

        var states = await PostAndReadStatesAsync(alertmanager,
            Alert("JobExporterBrokerDisconnected", "critical", ("cluster", "eu"), ("job", "jobexporter"), ("instance", "10.0.0.5:9808"), ("stream", "jobs.events"), ("consumer", "main")),
            Alert("JobExporterWorkerDown", "warning", ("cluster", "eu"), ("system", "hangfire"), ("hostname", "w1")),
            Alert("JobExporterAllWorkersDown", "critical", ("cluster", "eu"), ("system", "masstransit")),
            Alert("JobExporterQueueBacklog", "warning", ("cluster", "eu"), ("system", "masstransit"), ("queue", "orders")),
            // Another cluster's exporter is fine: its worker alert is its own news.
            Alert("JobExporterWorkerDown", "warning", ("cluster", "us"), ("system", "hangfire"), ("hostname", "w1")));

        Assert.That(states[("JobExporterBrokerDisconnected", "eu", "")], Is.EqualTo("active"));
        Assert.That(states[("JobExporterWorkerDown", "eu", "w1")], Is.EqualTo("suppressed"));
        Assert.That(states[("JobExporterAllWorkersDown", "eu", "")], Is.EqualTo("suppressed"));
        Assert.That(states[("JobExporterQueueBacklog", "eu", "")], Is.EqualTo("suppressed"));
        Assert.That(states[("JobExporterWorkerDown", "us", "w1")], Is.EqualTo("active"));
    }

    [TestCaseSource(typeof(ConfigCheckTests), nameof(ConfigCheckTests.AlertmanagerConfigs))]
    public async Task A_sidecar_that_is_down_holds_back_only_its_own_workers_alert(string config)
    {
        await using var alertmanager = await AlertmanagerServer.StartAsync(Path.Combine(RepositoryPaths.Root, config));

        var states = await PostAndReadStatesAsync(alertmanager,
            Alert("JobExporterDown", "critical", ("job", "jobexporter"), ("instance", "10.1.0.1:9821"), ("pod", "billing-worker-7d9f-aaaaa"),
                ("stream", "jobs.events/*.*.billing-worker-7d9f-aaaaa"), ("hostname", "billing-worker-7d9f-aaaaa")),
            Alert("JobExporterWorkerDown", "warning", ("system", "hangfire"), ("hostname", "billing-worker-7d9f-aaaaa")),
            // Another pod's worker crashed, and a queue backs up: nothing to do with the sidecar that is down.
            Alert("JobExporterWorkerDown", "warning", ("system", "hangfire"), ("hostname", "billing-worker-7d9f-bbbbb")),
            Alert("JobExporterQueueBacklog", "warning", ("system", "masstransit"), ("queue", "billing")));

        Assert.That(states[("JobExporterDown", "", "billing-worker-7d9f-aaaaa")], Is.EqualTo("active"));
        Assert.That(states[("JobExporterWorkerDown", "", "billing-worker-7d9f-aaaaa")], Is.EqualTo("suppressed"));
        Assert.That(states[("JobExporterWorkerDown", "", "billing-worker-7d9f-bbbbb")], Is.EqualTo("active"));
        Assert.That(states[("JobExporterQueueBacklog", "", "")], Is.EqualTo("active"));
    }

    [TestCaseSource(typeof(ConfigCheckTests), nameof(ConfigCheckTests.AlertmanagerConfigs))]
    public async Task An_exporter_down_before_it_ever_said_its_stream_holds_back_nothing(string config)
    {
        await using var alertmanager = await AlertmanagerServer.StartAsync(Path.Combine(RepositoryPaths.Root, config));

        // Never scraped (a sidecar crash-looping from its start): no stream to tell its scope.
        var states = await PostAndReadStatesAsync(alertmanager,
            Alert("JobExporterDown", "critical", ("job", "jobexporter"), ("instance", "10.1.0.9:9821")),
            Alert("JobExporterWorkerDown", "warning", ("system", "hangfire"), ("hostname", "w1")));

        Assert.That(states[("JobExporterWorkerDown", "", "w1")], Is.EqualTo("active"));
    }

    private static Dictionary<string, string> Alert(string name, string severity, params (string Name, string Value)[] labels) =>
        labels.ToDictionary(l => l.Name, l => l.Value) is var all && all.TryAdd("alertname", name) && all.TryAdd("severity", severity)
            ? all
            : throw new ArgumentException("alertname and severity are set by their own parameters");

    // Alertmanager's inhibitor takes in posted alerts on its own loop, in the order they were posted, once it has
    // subscribed to them; what was posted before it subscribed it takes in from a map, in no order (a CI run saw the
    // control pair suppressed before the source alerts posted ahead of it). So a first control pair shows the inhibitor
    // subscribed, and a second, posted after the alerts, tells when it has taken them all in: once that pair's worker is
    // "suppressed", every state read is final.
    private static async Task<Dictionary<(string Name, string Cluster, string Hostname), string>> PostAndReadStatesAsync(
        AlertmanagerServer alertmanager, params Dictionary<string, string>[] alerts)
    {
        await PostAndWaitForControlAsync(alertmanager, [], "control-subscribed", 2);
        return await PostAndWaitForControlAsync(alertmanager, alerts, "control", alerts.Length + 4);
    }

    private static async Task<Dictionary<(string Name, string Cluster, string Hostname), string>> PostAndWaitForControlAsync(
        AlertmanagerServer alertmanager, Dictionary<string, string>[] alerts, string control, int held)
    {
        await alertmanager.PostAsync([.. alerts,
            Alert("JobExporterWorkerDown", "warning", ("system", control), ("hostname", control)),
            // Its hostname only keeps the two pairs apart in the states read.
            Alert("JobExporterAllWorkersDown", "critical", ("system", control), ("hostname", control))]);
        Dictionary<(string, string, string), string> states = [];
        await alertmanager.WaitUntilAsync(async () =>
        {
            states = (await alertmanager.AlertsAsync()).ToDictionary(
                a => (Label(a, "alertname"), Label(a, "cluster"), Label(a, "hostname")),
                a => a.GetProperty("status").GetProperty("state").GetString()!);
            return states.Count == held && states[("JobExporterWorkerDown", "", control)] == "suppressed";
        }, Patience, $"the {alerts.Length} alerts and the {control} pair taken in");
        return states;
    }

    private static string Label(System.Text.Json.JsonElement alert, string name) =>
        alert.GetProperty("labels").TryGetProperty(name, out var value) ? value.GetString()! : "";
}
