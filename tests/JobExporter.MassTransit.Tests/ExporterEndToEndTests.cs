using JobExporter.Testing;
using MassTransit;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>
/// The whole path: a real bus with the emitter, the real exporter binary, one real RabbitMQ node; the
/// exporter's /metrics must show exactly what the bus did.
/// </summary>
[TestFixture]
public sealed class ExporterEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Test]
    public async Task The_exporter_counts_every_outcome_of_a_real_bus_and_sees_its_worker_come_and_go()
    {
        var hostname = Broker.UniqueName("mt-e2e");
        var orders = Broker.UniqueName("orders");
        var payments = Broker.UniqueName("payments");
        var gate = Broker.UniqueName("gate");
        await using var exporter = await ExporterProcess.StartAsync(Broker.Node.AmqpUrl,
            "--systems", "masstransit", "--rabbitmq.poll-interval", "1s");
        await exporter.WaitUntilReadyAsync(Deadline, "the exporter to consume events");

        var bus = await TestBus.StartAsync(Broker.Node,
            (context, cfg) =>
            {
                cfg.ReceiveEndpoint(orders, e =>
                {
                    e.ConfigureConsumer<PlaceOrderConsumer>(context);
                    e.ConfigureConsumer<HoldJobConsumer>(context);
                });
                cfg.ReceiveEndpoint(payments, e =>
                {
                    e.UseMessageRetry(r => r.Immediate(2));
                    e.ConfigureConsumer<ChargeCardConsumer>(context);
                    e.ConfigureConsumer<ShipParcelConsumer>(context);
                });
            },
            o =>
            {
                o.BrokerUrl = Broker.Node.AmqpUrl;
                o.Hostname = hostname;
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
            });
        try
        {
            for (var i = 0; i < 3; i++) await bus.SendAsync(orders, new PlaceOrder(i));
            await bus.SendAsync(orders, new Unwanted(1));
            await bus.SendAsync(payments, new ChargeCard(1));
            await bus.SendAsync(payments, new ShipParcel(1));
            await bus.SendAsync(orders, new HoldJob(gate));

            string[] host = ["system", "masstransit", "hostname", hostname];
            var metrics = await exporter.WaitForMetricsAsync(m =>
                    m.Value("jobs_succeeded_total", L(host, "name", nameof(PlaceOrderConsumer), "queue", orders)) == 3
                    && m.Value("jobs_failed_total", L(host, "name", nameof(ShipParcelConsumer), "queue", payments, "exception", nameof(InvalidOperationException))) == 1
                    && m.Value("jobs_succeeded_total", L(host, "name", nameof(ChargeCardConsumer), "queue", payments)) == 1
                    && m.Value("jobs_rejected_total", L(host, "name", nameof(Unwanted), "queue", orders)) == 1
                    && m.Value("jobs_worker_active", L(host)) == 1
                    && m.Value("jobs_queue_length", ("system", "masstransit"), ("queue", payments + "_error")) == 1,
                Deadline, "every outcome counted, one job running and the faulted message in the _error queue");

            Assert.Multiple(() =>
            {
                Assert.That(metrics.Value("jobs_sent_total", ("system", "masstransit"), ("name", nameof(PlaceOrder)), ("queue", orders)), Is.EqualTo(3));
                Assert.That(metrics.Value("jobs_received_total", L(host, "name", nameof(PlaceOrderConsumer), "queue", orders)), Is.EqualTo(3));
                Assert.That(metrics.Value("jobs_started_total", L(host, "name", nameof(ShipParcelConsumer), "queue", payments)), Is.EqualTo(3));
                Assert.That(metrics.Value("jobs_retried_total", L(host, "name", nameof(ShipParcelConsumer), "queue", payments, "exception", nameof(InvalidOperationException))), Is.EqualTo(2));
                Assert.That(metrics.Value("jobs_retried_total", L(host, "name", nameof(ChargeCardConsumer), "queue", payments, "exception", nameof(TimeoutException))), Is.EqualTo(1));
                Assert.That(metrics.Value("jobs_runtime_seconds_count", ("system", "masstransit"), ("name", nameof(PlaceOrderConsumer)), ("queue", orders), ("outcome", "succeeded")), Is.EqualTo(3));
                Assert.That(metrics.Value("jobs_runtime_seconds_count", ("system", "masstransit"), ("name", nameof(ShipParcelConsumer)), ("queue", payments), ("outcome", "failed")), Is.EqualTo(1));
                Assert.That(metrics.Value("jobs_wait_seconds_count", ("system", "masstransit"), ("name", nameof(PlaceOrderConsumer)), ("queue", orders)), Is.EqualTo(3));
                Assert.That(metrics.Value("jobs_wait_seconds_count", ("system", "masstransit"), ("name", nameof(ShipParcelConsumer)), ("queue", payments)), Is.EqualTo(1), "retries did not wait in the queue");
                Assert.That(metrics.Value("jobs_worker_up", L(host)), Is.EqualTo(1));
                Assert.That(metrics.Value("jobs_emitter_dropped_events", L(host)), Is.EqualTo(0));
            });

            HoldJobConsumer.Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            await exporter.WaitForMetricsAsync(m => m.Value("jobs_worker_active", L(host)) == 0, Deadline, "the held job to finish");
        }
        finally
        {
            HoldJobConsumer.Gates.GetOrAdd(gate, _ => new TaskCompletionSource()).TrySetResult();
            await bus.DisposeAsync();
        }

        var after = await exporter.WaitForMetricsAsync(m => m.Value("jobs_worker_up", ("system", "masstransit"), ("hostname", hostname)) == 0,
            Deadline, "the worker to be down once the bus stopped");
        Assert.That(after.Value("jobs_worker_active", ("system", "masstransit"), ("hostname", hostname)), Is.EqualTo(0));
    }

    // Labels as (name, value) pairs: the host's, then the given ones.
    private static (string, string)[] L(string[] host, params string[] more)
    {
        var all = host.Concat(more).ToArray();
        return Enumerable.Range(0, all.Length / 2).Select(i => (all[2 * i], all[2 * i + 1])).ToArray();
    }
}
