using System.Text.RegularExpressions;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>The exporter's own queue at its --broker.queue-max-length, and that length changed on an existing queue.</summary>
public class OwnQueueLimitTests
{
    [Test]
    public async Task A_queue_that_dropped_events_while_the_exporter_was_away_shows_in_its_metrics()
    {
        var node = SharedBroker.Node;
        var lane = EventLane.New();
        string[] args = [.. lane.ExporterArgs, "--broker.queue-max-length", "100"];
        await using (var first = await ExporterProcess.StartAsync(node.AmqpUrl, args))
        {
            await first.WaitUntilReadyAsync(Events.Patience);
        }
        // While the exporter is away, 300 events for a queue that keeps 100: RabbitMQ drops the oldest 200, silently.
        var f = new EventFactory("hangfire", "overflow-1");
        await using (var raw = await lane.RawPublisherAsync(node.AmqpUrl))
        {
            await raw.PublishManyAsync(Enumerable.Range(0, 300).Select(_ => EventJson.Serialize(f.Job(EventType.JobSent, "Overflow.Job", "default"))));
        }

        await using var second = await ExporterProcess.StartAsync(node.AmqpUrl, args);
        var m = await second.WaitForMetricsAsync(mm => mm.Value("jobs_sent_total") == 100, Events.Patience, "the 100 events the queue kept");
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_exporter_queue_full_total", ("queue", lane.Queue)), Is.EqualTo(1), "found full once, at its declaration");
            Assert.That(m.Value("jobs_exporter_queue_max_messages", ("queue", lane.Queue)), Is.EqualTo(100));
        });
        // Drained: the next check reads it empty, and finds it full no more.
        var drained = await second.WaitForMetricsAsync(mm => mm.Value("jobs_exporter_queue_messages", ("queue", lane.Queue)) == 0, Events.Patience, "the queue checked empty");
        Assert.That(drained.Value("jobs_exporter_queue_full_total", ("queue", lane.Queue)), Is.EqualTo(1));
    }

    [Test]
    public async Task A_changed_max_length_on_an_existing_queue_logs_what_to_do_once_answers_not_ready_and_recovers_once_the_queue_is_deleted()
    {
        var node = SharedBroker.Node;
        var lane = EventLane.New();
        await using (var first = await ExporterProcess.StartAsync(node.AmqpUrl, lane.ExporterArgs))
        {
            await first.WaitUntilReadyAsync(Events.Patience);
        }

        await using var changed = await ExporterProcess.StartAsync(node.AmqpUrl, [.. lane.ExporterArgs, "--broker.queue-max-length", "100", "--log.level", "debug"]);
        // Several attempts (each logged at debug level), and still one line that says what to do.
        await changed.WaitUntilAsync(() => Task.FromResult(Attempts(changed.Output, lane.Queue) >= 3), Events.Patience, "three refused declarations");
        var lines = changed.Output.Split('\n').Where(l => l.Contains($"Unable to consume {lane.Queue} (classic)", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Has.Count.EqualTo(1), changed.Output);
        TestContext.Out.WriteLine(lines[0]);
        Assert.That(lines[0], Does.Contain("x-max-length").And.Contain("--broker.queue-max-length").And.Contain($"rabbitmqctl delete_queue {lane.Queue}"));
        var readyz = await changed.GetAsync("readyz");
        Assert.That((int)readyz.StatusCode, Is.EqualTo(503));
        Assert.That(await readyz.Content.ReadAsStringAsync(), Does.Contain($"queue {lane.Queue} exists with another x-max-length"));
        Assert.That((await changed.ScrapeAsync()).Value("jobs_exporter_broker_connected"), Is.EqualTo(0));

        // The operator deletes the queue, as the line says: the next attempt declares it with the new length.
        await node.CtlOrThrowAsync("delete_queue", lane.Queue);
        await changed.WaitUntilReadyAsync(Events.Patience, "ready after the queue was deleted");
        var queues = await node.CtlOrThrowAsync("list_queues", "name", "arguments", "--quiet", "--no-table-headers");
        Assert.That(queues.Split('\n').Single(l => l.StartsWith(lane.Queue + "\t", StringComparison.Ordinal)), Does.Contain("{\"x-max-length\",100}"));
    }

    private static int Attempts(string output, string queue) =>
        Regex.Matches(output, $"Declaring {Regex.Escape(queue)} was refused again").Count;
}
