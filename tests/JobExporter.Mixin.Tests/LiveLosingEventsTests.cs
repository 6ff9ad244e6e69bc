using JobExporter.Testing;
using NUnit.Framework;

namespace JobExporter.Mixin.Tests;

/// <summary>
/// <c>JobExporterLosingEvents</c> for real, on the loss an operator meets most: a Celery-on-Redis exporter whose Redis
/// restarts (pub/sub keeps nothing, so what was published meanwhile is gone). Debian's redis-server, the exporter binary and
/// Debian's Prometheus with the committed alert file. A redeploy of the exporter before it (a new process, its counts at
/// 0) must stay silent; the Redis restart must fire with <c>loss="redis_connection_lost"</c>.
/// </summary>
[NonParallelizable]
public sealed class LiveLosingEventsTests
{
    private const string Alert = "JobExporterLosingEvents";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Test]
    public async Task A_redeploy_is_silent_and_a_Redis_restart_fires_with_its_loss()
    {
        await using var redis = await RedisServer.StartAsync();
        var port = FreePort.Next();
        var exporter = await StartExporterAsync(port, redis);
        try
        {
            await using var prometheus = await PrometheusServer.StartAsync(
                new Dictionary<string, string[]> { ["jobexporter"] = [$"127.0.0.1:{port}"] },
                [Mixin.File("prometheus_alerts.yaml")]);
            await WaitForSubscribedInPrometheusAsync(prometheus);

            // The redeploy: the same target, a new process whose loss counters start at 0 again.
            await exporter.DisposeAsync();
            exporter = await StartExporterAsync(port, redis);
            await prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync("jobs_exporter_uptime_seconds < 20")).Count == 1,
                Patience, "the new process scraped");
            await WaitForSubscribedInPrometheusAsync(prometheus);
            // Evaluated every second: a few evaluations over the new process's samples.
            await Task.Delay(TimeSpan.FromSeconds(5));
            var afterRedeploy = await LosingEventsAsync(prometheus);

            await redis.StopAsync();
            await redis.StartAgainAsync();
            await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_redis_reconnects_total", ("reason", "connection_lost")) == 1
                    && m.Value("jobs_exporter_celery_broker_connected") == 1,
                Patience, $"the lost subscription counted and subscribed again\n{exporter.Output}");
            IReadOnlyList<string> afterRestart = [];
            await prometheus.WaitUntilAsync(async () => (afterRestart = await LosingEventsAsync(prometheus)).Count > 0, Patience, $"{Alert} to fire");

            Assert.Multiple(() =>
            {
                Assert.That(afterRedeploy, Is.Empty, "a redeploy loses nothing");
                Assert.That(afterRestart, Is.EqualTo(new[]
                {
                    $"firing redis_connection_lost: The job exporter 127.0.0.1:{port} lost events in the last 10m (redis_connection_lost); job metrics undercount.",
                }));
            });
        }
        finally
        {
            await exporter.DisposeAsync();
        }
    }

    private static async Task<ExporterProcess> StartExporterAsync(int port, RedisServer redis)
    {
        var exporter = await ExporterProcess.StartWithArgsAsync(port,
            ["--web.listen-address", $"127.0.0.1:{port}", "--celery.enabled", "--celery.broker-url", redis.Url()]);
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_celery_broker_connected") == 1, Patience, $"subscribed\n{exporter.Output}");
        return exporter;
    }

    private static Task WaitForSubscribedInPrometheusAsync(PrometheusServer prometheus) =>
        prometheus.WaitUntilAsync(async () => (await prometheus.QueryVectorAsync("jobs_exporter_celery_broker_connected == 1")).Count == 1,
            Patience, "the subscription scraped");

    // Pending or firing, with the loss it names and its description.
    private static async Task<IReadOnlyList<string>> LosingEventsAsync(PrometheusServer prometheus) =>
        (await prometheus.AlertsAsync())
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == Alert)
            .Select(a => $"{a.GetProperty("state").GetString()} {a.GetProperty("labels").GetProperty("loss").GetString()}: "
                + a.GetProperty("annotations").GetProperty("description").GetString())
            .ToList();
}
