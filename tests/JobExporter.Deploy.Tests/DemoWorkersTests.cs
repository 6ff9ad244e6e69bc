using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>The demo workers of `make run` and compose, against a real broker and the real exporter.</summary>
public sealed class DemoWorkersTests
{
    private static string DemoDll => Path.Combine(RepositoryPaths.Root, "src", "JobExporter.Demo", "bin", RepositoryPaths.Configuration, "net10.0", "JobExporter.Demo.dll");

    [Test]
    [CancelAfter(120_000)]
    public async Task Both_demo_workers_run_jobs_that_the_exporter_counts_with_failures_retries_and_dead_letters()
    {
        await using var broker = await RabbitMqNode.StartAsync();
        await using var exporter = await ExporterProcess.StartAsync(broker.AmqpUrl, "--systems", "hangfire,masstransit", "--rabbitmq.poll-interval", "1s");
        var url = broker.AmqpUrl.ToString();
        await using var hangfire = await DemoWorker.StartAsync(DemoDll, "hangfire", $"--JobExporter:Hangfire:BrokerUrl={url}",
            "--JobExporter:Hangfire:Hostname=test-hangfire", "--Demo:JobsPerSecond=10");
        await using var masstransit = await DemoWorker.StartAsync(DemoDll, "masstransit", $"--RabbitMq:Url={url}", $"--JobExporter:BrokerUrl={url}",
            "--JobExporter:Hostname=test-masstransit", "--Demo:JobsPerSecond=10");

        var metrics = await exporter.WaitForMetricsAsync(m =>
                m.Sum("jobs_succeeded_total", ("system", "hangfire")) >= 5
                && m.Sum("jobs_succeeded_total", ("system", "masstransit")) >= 5
                && m.Sum("jobs_failed_total", ("system", "hangfire"), ("name", "InvoiceJob.Send")) >= 1
                && m.Sum("jobs_queue_length", ("queue", "orders_error")) >= 1
                && m.Has("jobs_queue_length", ("system", "hangfire"), ("queue", "critical")) && m.Sum("jobs_hangfire_servers") == 1,
            TimeSpan.FromSeconds(60), $"demo jobs, an InvoiceJob.Send failure, a dead letter and the Hangfire backlog from the emitter\nhangfire:\n{hangfire.Output}\nmasstransit:\n{masstransit.Output}");

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Sum("jobs_worker_up", ("system", "hangfire"), ("hostname", "test-hangfire")), Is.EqualTo(1));
            Assert.That(metrics.Sum("jobs_worker_up", ("system", "masstransit"), ("hostname", "test-masstransit")), Is.EqualTo(1));
            Assert.That(metrics.Sum("jobs_succeeded_total", ("queue", "critical")), Is.GreaterThanOrEqualTo(0));
            Assert.That(metrics.Sum("jobs_succeeded_total", ("queue", "payments")), Is.GreaterThan(0));
        });
    }
}
