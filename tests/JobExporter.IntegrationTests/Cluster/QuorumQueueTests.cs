using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Cluster;

/// <summary>--broker.queue-type quorum on a real node: what the queue is declared with and what it keeps.</summary>
public class QuorumQueueTests
{
    [Test]
    public async Task A_full_quorum_queue_drops_the_oldest_events_as_a_classic_one_does_and_is_declared_again_after_a_restart()
    {
        var lane = EventLane.New();
        var broker = SharedBroker.Node;
        string[] args = [.. lane.ExporterArgs, "--broker.queue-type", "quorum", "--broker.queue-max-length", "100"];
        await using (var first = await ExporterProcess.StartAsync(broker.AmqpUrl, args))
        {
            await first.WaitUntilReadyAsync(Events.Patience);
        }
        var type = await broker.CtlOrThrowAsync("list_queues", "name", "type", "arguments", "--quiet", "--no-table-headers");
        Assert.That(type.Split('\n').Single(l => l.StartsWith(lane.Queue + "\t", StringComparison.Ordinal)), Does.Contain("\tquorum\t"));

        // While the exporter is away: 200 old events, then 100 new ones, one per message.
        var f = new EventFactory("hangfire", "web-1");
        await using (var raw = await lane.RawPublisherAsync(broker.AmqpUrl))
        {
            await raw.PublishManyAsync(Enumerable.Range(0, 200).Select(_ => EventJson.Serialize(f.Job(EventType.JobSent, "Old.Job", "default"))));
            await raw.PublishManyAsync(Enumerable.Range(0, 100).Select(_ => EventJson.Serialize(f.Job(EventType.JobSent, "New.Job", "default"))));
        }
        await using var second = await ExporterProcess.StartAsync(broker.AmqpUrl, args);
        var m = await second.WaitForMetricsAsync(mm => (mm.Value("jobs_sent_total", ("name", "New.Job")) ?? 0) >= 100, Events.Patience, "the 100 newest events");
        Assert.That(m.Value("jobs_sent_total", ("name", "New.Job")), Is.EqualTo(100));
        Assert.That(m.Value("jobs_sent_total", ("name", "Old.Job")) ?? 0, Is.Zero, "x-max-length drops from the head: the oldest go first");
        Assert.That(second.Output, Does.Contain("(quorum)"), "the log says which type the queue has");
    }

    [Test]
    public async Task A_classic_queue_is_not_turned_into_a_quorum_one_and_the_log_says_why()
    {
        var lane = EventLane.New();
        var broker = SharedBroker.Node;
        await using (var classic = await ExporterProcess.StartAsync(broker.AmqpUrl, lane.ExporterArgs))
        {
            await classic.WaitUntilReadyAsync(Events.Patience);
        }
        await using var quorum = await ExporterProcess.StartAsync(broker.AmqpUrl, [.. lane.ExporterArgs, "--broker.queue-type", "quorum"]);
        await quorum.WaitUntilAsync(() => Task.FromResult(quorum.Output.Contains("x-queue-type")), Events.Patience, "RabbitMQ's refusal in the log");
        TestContext.Out.WriteLine(quorum.Output.Split('\n').First(l => l.Contains("x-queue-type")));
        Assert.That(quorum.Output, Does.Contain($"to consume {lane.Queue} (quorum)"));
        Assert.That((await quorum.ScrapeAsync()).Value("jobs_exporter_broker_connected"), Is.EqualTo(0), "/metrics answers, not connected");
        Assert.That((int)(await quorum.GetAsync("readyz")).StatusCode, Is.EqualTo(503));
    }
}
