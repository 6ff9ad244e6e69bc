using JobExporter.Contracts;
using JobExporter.Testing;
using NUnit.Framework;

namespace JobExporter.Mixin.Tests;

/// <summary>
/// The high-availability setup of docs/high-availability.md, for real: one RabbitMQ node, two exporter processes, each with its
/// own queue bound to the same exchange (so each receives every event), and Debian's Prometheus scraping
/// both with the rendered rules. The recording rules and the overview count each run once, not twice.
/// </summary>
[NonParallelizable]
public sealed class LiveHaPairTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Two_replicas_on_the_same_exchange_count_each_run_once()
    {
        await using var broker = await RabbitMqNode.StartAsync();
        await using var first = await ExporterProcess.StartAsync(broker.AmqpUrl, "--systems", "hangfire", "--broker.queue", "jobexporter.ha-a");
        await using var second = await ExporterProcess.StartAsync(broker.AmqpUrl, "--systems", "hangfire", "--broker.queue", "jobexporter.ha-b");
        foreach (var exporter in new[] { first, second })
        {
            await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Patience, "the broker connection");
        }
        using var rendered = new TempFolder("mixin-ha");
        MixinRenderer.Write(MixinRenderer.Render(Mixin.Folder), rendered.Path);
        await using var prometheus = await PrometheusServer.StartAsync(
            new Dictionary<string, string[]> { ["jobexporter"] = [$"127.0.0.1:{first.Port}", $"127.0.0.1:{second.Port}"] },
            [rendered.File("prometheus_rules.yaml"), rendered.File("prometheus_alerts.yaml")]);
        await prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync("up{job=\"jobexporter\"} == 1")).Count == 2, Patience, "both replicas scraped");

        const int succeeded = 7, failed = 3;
        var worker = new EventFactory("hangfire", "ha-worker-1");
        await using (var publisher = new EventPublisher(new EventPublisherOptions { BrokerUrl = broker.AmqpUrl }))
        {
            for (var i = 0; i < succeeded + failed; i++)
            {
                publisher.TryPublish(worker.Job(EventType.JobStarted, "HaJob.Run", "default"));
                publisher.TryPublish(i < succeeded
                    ? worker.Job(EventType.JobSucceeded, "HaJob.Run", "default") with { Runtime = 0.1 }
                    : worker.Job(EventType.JobFailed, "HaJob.Run", "default") with { Runtime = 0.1, Exception = "IOException" });
            }
        }
        foreach (var exporter in new[] { first, second })
        {
            await exporter.WaitForMetricsAsync(m =>
                m.Value("jobs_succeeded_total", ("name", "HaJob.Run")) == succeeded && m.Value("jobs_failed_total", ("name", "HaJob.Run")) == failed,
                Patience, "each replica to count every run");
        }

        // Raw series: each run is there twice, once per replica.
        await WaitForValueAsync(prometheus, "sum(jobs_succeeded_total{name=\"HaJob.Run\"}) + sum(jobs_failed_total{name=\"HaJob.Run\"})", 2 * (succeeded + failed));
        // Recording rules and the overview: once.
        await WaitForValueAsync(prometheus, "sum(system_queue_name:jobs_completed:increase1d{name=\"HaJob.Run\"})", succeeded + failed);
        await WaitForValueAsync(prometheus, "sum(system_queue_name:jobs_failed:increase1d{name=\"HaJob.Run\"})", failed);
        var overview = Mixin.Dashboards()["jobexporter-overview.json"];
        var executed = Mixin.Exprs(Mixin.Panels(overview).Single(p => p.GetProperty("title").GetString() == "Jobs executed (24h)")).Single()
            .Replace("$system", ".*").Replace("$queue", ".*").Replace("$name", "HaJob\\\\.Run");
        await WaitForValueAsync(prometheus, executed, succeeded + failed);
        TestContext.Out.WriteLine($"Two replicas hold {2 * (succeeded + failed)} runs between them; rules and the overview count {succeeded + failed}.");
    }

    private static async Task WaitForValueAsync(PrometheusServer prometheus, string expr, double expected)
    {
        double? last = null;
        try
        {
            await prometheus.WaitUntilAsync(async () =>
            {
                var result = await prometheus.QueryVectorAsync(expr);
                last = result.Count == 1 ? double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture) : null;
                return last == expected;
            }, Patience, $"{expr} == {expected}");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{expr}: expected {expected}, last value {last?.ToString() ?? "none"}");
        }
    }
}
