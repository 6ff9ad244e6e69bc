using System.Diagnostics;
using System.Text;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests;

public class ExporterOverRabbitMqTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    private static Task<ExporterProcess> StartExporter(EventLane lane, params string[] args) =>
        ExporterProcess.StartAsync(Broker, [.. lane.ExporterArgs, "--rabbitmq.poll-interval", "1s", .. args]);

    [Test]
    public async Task Events_from_the_publisher_are_counted_exactly_on_metrics()
    {
        var lane = EventLane.New();
        await using var exporter = await StartExporter(lane, "--systems", "hangfire,masstransit");
        await exporter.WaitUntilReadyAsync(Events.Patience);
        var f = new EventFactory("hangfire", "web-1.prod");
        await using (var publisher = lane.Publisher(Broker))
        {
            publisher.TryPublish(f.Worker(EventType.WorkerOnline, TimeSpan.FromSeconds(10)));
            for (var i = 0; i < 5; i++)
            {
                foreach (var e in Events.SucceededJob(f, "InvoiceJob.Send", "critical")) publisher.TryPublish(e);
            }
            publisher.TryPublish(f.Job(EventType.JobRetried, "InvoiceJob.Send", "critical") with { Exception = "SmtpException" });
            publisher.TryPublish(f.Job(EventType.JobFailed, "InvoiceJob.Send", "critical") with { Runtime = 3, Exception = "SmtpException" });
            publisher.TryPublish(f.Worker(EventType.WorkerHeartbeat, TimeSpan.FromSeconds(10), active: 2, dropped: 0));
        }
        var m = await Events.WaitForAppliedAsync(exporter, 24);

        (string, string)[] job = [("system", "hangfire"), ("name", "InvoiceJob.Send"), ("queue", "critical"), ("hostname", "web-1.prod")];
        Assert.Multiple(() =>
        {
            Assert.That(Events.Applied(m), Is.EqualTo(24));
            Assert.That(m.Value("jobs_sent_total", ("name", "InvoiceJob.Send")), Is.EqualTo(5));
            Assert.That(m.Value("jobs_received_total", job), Is.EqualTo(5));
            Assert.That(m.Value("jobs_started_total", job), Is.EqualTo(5));
            Assert.That(m.Value("jobs_succeeded_total", job), Is.EqualTo(5));
            Assert.That(m.Value("jobs_retried_total", [.. job, ("exception", "SmtpException")]), Is.EqualTo(1));
            Assert.That(m.Value("jobs_failed_total", [.. job, ("exception", "SmtpException")]), Is.EqualTo(1));
            Assert.That(m.Value("jobs_runtime_seconds_count", ("outcome", "succeeded")), Is.EqualTo(5));
            Assert.That(m.Value("jobs_runtime_seconds_sum", ("outcome", "failed")), Is.EqualTo(3));
            Assert.That(m.Value("jobs_wait_seconds_count"), Is.EqualTo(5));
            Assert.That(m.Value("jobs_worker_up", ("hostname", "web-1.prod")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_worker_active", ("hostname", "web-1.prod")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_workers_alive", ("system", "hangfire")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_workers_alive", ("system", "masstransit")), Is.EqualTo(0));
            Assert.That(m.Value("jobs_exporter_broker_connected"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Every_event_of_a_batch_message_is_counted()
    {
        var lane = EventLane.New();
        await using var exporter = await StartExporter(lane);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        var f = new EventFactory("masstransit", "consumer-1");
        await using var raw = await lane.RawPublisherAsync(Broker);
        var batch = Enumerable.Range(0, 250).Select(_ => f.Job(EventType.JobSent, "OrderSubmitted", "orders")).ToList();
        await raw.PublishAsync(EventJson.SerializeBatch(batch), "masstransit.job-sent.consumer-1");
        var m = await exporter.WaitForMetricsAsync(mm => (mm.Value("jobs_sent_total", ("name", "OrderSubmitted")) ?? 0) >= 250, Events.Patience, "the batch applied");
        Assert.That(m.Value("jobs_sent_total", ("system", "masstransit"), ("name", "OrderSubmitted"), ("queue", "orders")), Is.EqualTo(250));
    }

    [Test]
    public async Task Malformed_messages_between_good_ones_are_counted_invalid_and_the_good_ones_all_counted()
    {
        var lane = EventLane.New();
        await using var exporter = await StartExporter(lane);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        var f = new EventFactory("hangfire", "web-1");
        await using var raw = await lane.RawPublisherAsync(Broker);
        var good = 0;
        async Task Good()
        {
            await raw.PublishAsync(EventJson.Serialize(f.Job(EventType.JobSent, "Good.Job", "default")));
            good++;
        }
        var invalidUtf8 = Encoding.UTF8.GetBytes("""{"v":1,"type":"job-sent","id":"u","ts":1,"system":"s","hostname":"h","name":"XX","queue":"q"}""");
        invalidUtf8[Array.IndexOf(invalidUtf8, (byte)'X')] = 0xFF;
        var huge = Encoding.UTF8.GetBytes("[" + new string(' ', 1024 * 1024) + "]");

        await Good();
        await raw.PublishAsync("this is not json");
        await Good();
        await raw.PublishAsync("""{"v":1,"type":"job-sent","id":"w","ts":"noon","system":"hangfire","hostname":"h","name":"n","queue":"q"}""");
        await Good();
        await raw.PublishAsync("""{"v":1,"type":"job-teleported","id":"t","ts":1,"system":"hangfire","hostname":"h","name":"n","queue":"q"}""");
        await raw.PublishAsync(huge);
        await Good();
        await raw.PublishAsync(invalidUtf8);
        await Good();

        var m = await exporter.WaitForMetricsAsync(
            mm => Events.Applied(mm) >= good && (mm.Value("jobs_exporter_events_invalid_total") ?? 0) >= 5, Events.Patience, "all messages handled");
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_sent_total", ("name", "Good.Job")), Is.EqualTo(good));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", InvalidReasons.NotJson)), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", InvalidReasons.WrongType)), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", InvalidReasons.UnknownType)), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", InvalidReasons.TooLarge)), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", InvalidReasons.InvalidUtf8)), Is.EqualTo(1));
        });
        Assert.That((await exporter.GetAsync("healthz")).IsSuccessStatusCode, "the exporter must still be alive");
    }

    [Test]
    public async Task Queue_lengths_are_polled_in_the_background_and_a_missing_queue_reads_zero()
    {
        await using (var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = Broker }.CreateConnectionAsync())
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync("billing", durable: false, exclusive: false, autoDelete: false);
            await channel.QueuePurgeAsync("billing");
            for (var i = 0; i < 7; i++)
            {
                await channel.BasicPublishAsync("", "billing", false, new RabbitMQ.Client.BasicProperties(), Encoding.UTF8.GetBytes("x"));
            }
        }
        var lane = EventLane.New();
        await using var exporter = await StartExporter(lane, "--rabbitmq.queues", "masstransit/billing,no-such-queue");
        var m = await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_queue_length", ("queue", "billing")) == 7
            && mm.Has("jobs_queue_length", ("queue", "no-such-queue")), Events.Patience, "queue lengths");
        Assert.That(m.Value("jobs_queue_length", ("system", "masstransit"), ("queue", "billing")), Is.EqualTo(7));
        Assert.That(m.Value("jobs_queue_consumers", ("queue", "billing")), Is.EqualTo(0));
        Assert.That(m.Value("jobs_queue_length", ("system", "rabbitmq"), ("queue", "no-such-queue")), Is.EqualTo(0));
        Assert.That(m.Value("jobs_exporter_collector_success", ("collector", "rabbitmq")), Is.EqualTo(1));
    }

    [Test]
    public async Task MassTransit_endpoint_queues_learnt_from_events_are_polled_with_their_error_queue()
    {
        var lane = EventLane.New();
        await using var exporter = await StartExporter(lane);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        await using (var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = Broker }.CreateConnectionAsync())
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync("shipping_error", durable: false, exclusive: false, autoDelete: false);
            await channel.QueuePurgeAsync("shipping_error");
            for (var i = 0; i < 3; i++) await channel.BasicPublishAsync("", "shipping_error", false, new RabbitMQ.Client.BasicProperties(), Encoding.UTF8.GetBytes("dead"));
        }
        await using (var publisher = lane.Publisher(Broker))
        {
            publisher.TryPublish(new EventFactory("masstransit", "c1").Job(EventType.JobFailed, "ShipConsumer", "shipping") with { Runtime = 1, Exception = "X" });
        }
        var m = await exporter.WaitForMetricsAsync(mm => mm.Value("jobs_queue_length", ("queue", "shipping_error")) == 3
            && mm.Has("jobs_queue_length", ("queue", "shipping_skipped")), Events.Patience, "shipping_error and shipping_skipped polled");
        Assert.That(m.Value("jobs_queue_length", ("system", "masstransit"), ("queue", "shipping_error")), Is.EqualTo(3));
        Assert.That(m.Has("jobs_queue_length", ("queue", "shipping_skipped")), Is.True);
    }

    [Test]
    public async Task An_event_JSON_cannot_carry_is_dropped_by_the_emitter_and_the_events_around_it_all_count()
    {
        var lane = EventLane.New();
        await using var exporter = await StartExporter(lane);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        var f = new EventFactory("hangfire", "odd-1");
        long dropped;
        await using (var publisher = lane.Publisher(Broker))
        {
            publisher.TryPublish(f.Job(EventType.JobSucceeded, "Odd.Job", "default", runtime: 1));
            publisher.TryPublish(f.Job(EventType.JobSucceeded, "Odd.Job", "default", runtime: double.NaN));
            // A lone surrogate (an exception text cut inside an emoji) is sent as U+FFFD.
            publisher.TryPublish(f.Job(EventType.JobFailed, "Odd.Job", "default", runtime: 1, exception: "Cut\ud83c"));
            publisher.TryPublish(f.Job(EventType.JobSucceeded, "Odd.Job", "default", runtime: 2));
            await publisher.DisposeAsync();
            dropped = publisher.Dropped;
        }
        var m = await Events.WaitForAppliedAsync(exporter, 3);
        Assert.Multiple(() =>
        {
            Assert.That(dropped, Is.EqualTo(1), "only the NaN event is dropped");
            Assert.That(m.Value("jobs_succeeded_total", ("name", "Odd.Job")), Is.EqualTo(2));
            Assert.That(m.Value("jobs_failed_total", ("name", "Odd.Job"), ("exception", "Cut\ufffd")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_invalid_total") ?? 0, Is.EqualTo(0));
        });
    }

    [Test]
    public async Task Ingest_rate_is_measured_for_twenty_thousand_events()
    {
        var lane = EventLane.New();
        await using var exporter = await StartExporter(lane);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        const int jobs = 5000;
        var f = new EventFactory("hangfire", "bench-1");
        var watch = Stopwatch.StartNew();
        await using (var publisher = lane.Publisher(Broker))
        {
            for (var i = 0; i < jobs; i++)
            {
                foreach (var e in Events.SucceededJob(f, $"Job{i % 200}", "default")) publisher.TryPublish(e);
            }
        }
        var m = await Events.WaitForAppliedAsync(exporter, jobs * 4);
        watch.Stop();
        Assert.That(m.Value("jobs_succeeded_total"), Is.EqualTo(jobs));
        TestContext.Out.WriteLine($"applied {jobs * 4} events in {watch.Elapsed.TotalSeconds:F2} s: {jobs * 4 / watch.Elapsed.TotalSeconds:F0} events/s (publish + apply, batched)");
    }
}
