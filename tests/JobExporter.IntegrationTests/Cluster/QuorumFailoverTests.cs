using System.Diagnostics;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Cluster;

/// <summary>
/// A 3-node RabbitMQ cluster with the exporter's queue as a quorum queue: the node that leads it is killed with
/// SIGKILL while emitters publish, and every count stays exact.
/// </summary>
public class QuorumFailoverTests
{
    private const int Jobs = 100_000;
    private const int Emitters = 4;
    private const int EventsPerJob = 4;
    // Sized as docs/scaling.md says for a cluster: above the events that can reach the queue twice in a failover,
    // which includes the backlog queued ahead of an emitter's re-sent, unconfirmed batches.
    private const int DedupWindow = 1_000_000;

    [Test]
    public async Task Killing_the_node_that_leads_the_exporters_quorum_queue_loses_no_event_and_counts_none_twice()
    {
        await using var cluster = await RabbitMqCluster.StartAsync(3);
        var lane = EventLane.New();
        var port = FreePort.Next();
        await using var exporter = await ExporterProcess.StartWithArgsAsync(port,
            ["--broker.url", cluster.AmqpUrls, "--broker.queue-type", "quorum", "--events.dedup-window", DedupWindow.ToString(), "--web.listen-address", $"127.0.0.1:{port}", .. lane.ExporterArgs]);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        // Quorum queues are placed client-local: the leader is the node the exporter declared it from, so killing it
        // also cuts the exporter's connection, the worst case.
        var leader = await cluster.LeaderOfAsync(lane.Queue);

        var publishClock = Stopwatch.StartNew();
        var publishers = Enumerable.Range(1, Emitters).Select(i => new EventPublisher(ClusterPublisherOptions(cluster, lane, i))).ToList();
        var publishing = publishers.Select((p, i) => PublishAsync(p, new EventFactory("hangfire", $"web-{i + 1}"), Jobs / Emitters)).ToList();

        var total = Jobs * EventsPerJob;
        await exporter.WaitForMetricsAsync(m => Events.Applied(m) >= total / 3, TimeSpan.FromMinutes(2), "a third of the events applied");
        var sinceKill = Stopwatch.StartNew();
        await leader.KillAsync();
        var resumedAfter = await TimeUntilConsumingAgainAsync(exporter, sinceKill, total);
        var newLeader = await cluster.LeaderOfAsync(lane.Queue);

        await Task.WhenAll(publishing);
        foreach (var publisher in publishers) await publisher.DisposeAsync();
        var confirmedAfter = publishClock.Elapsed;
        var m = await exporter.WaitForMetricsAsync(mm => (mm.Value("jobs_succeeded_total") ?? 0) >= Jobs && Events.Applied(mm) >= total,
            TimeSpan.FromMinutes(2), "every job counted after the failover");
        var duplicates = m.Value("jobs_exporter_events_duplicate_total") ?? 0;
        TestContext.Out.WriteLine($"cluster failover: {Jobs} jobs ({total} events) from {Emitters} emitters; leader {leader.NodeName} killed at "
            + $"{total / 3}+ applied; exporter consuming again after {resumedAfter.TotalSeconds:F2} s; new leader {newLeader.NodeName}; "
            + $"duplicates dropped {duplicates}; publish retries {publishers.Sum(p => p.PublishFailures)}; all confirmed after {confirmedAfter.TotalSeconds:F1} s "
            + $"({total / confirmedAfter.TotalSeconds:F0} events/s through the cluster, failover included)");

        Assert.Multiple(() =>
        {
            Assert.That(publishers.Sum(p => p.Dropped), Is.Zero, "no emitter dropped an event");
            Assert.That(publishers.Sum(p => p.Published), Is.GreaterThanOrEqualTo(total), "every event was confirmed by the cluster");
            Assert.That(newLeader, Is.Not.SameAs(leader), "another node leads the queue");
            Assert.That(m.Value("jobs_sent_total"), Is.EqualTo(Jobs));
            Assert.That(m.Value("jobs_received_total"), Is.EqualTo(Jobs));
            Assert.That(m.Value("jobs_started_total"), Is.EqualTo(Jobs));
            Assert.That(m.Value("jobs_succeeded_total"), Is.EqualTo(Jobs));
            Assert.That(Events.Applied(m), Is.EqualTo(total), "each event applied once: redeliveries and re-publishes were dropped by id");
            Assert.That(m.Value("jobs_exporter_events_invalid_total") ?? 0, Is.Zero);
            Assert.That(m.Value("jobs_exporter_broker_connected"), Is.EqualTo(1));
        });
        for (var i = 1; i <= Emitters; i++)
        {
            Assert.That(m.Value("jobs_succeeded_total", ("hostname", $"web-{i}")), Is.EqualTo(Jobs / Emitters), $"web-{i}");
        }
    }

    private static EventPublisherOptions ClusterPublisherOptions(RabbitMqCluster cluster, EventLane lane, int emitter)
    {
        // Each emitter lists the nodes from another one first; the client shuffles them anyway.
        var urls = cluster.Nodes.Select(n => n.AmqpUrl).ToList();
        var options = new EventPublisherOptions
        {
            BrokerUrl = urls[emitter % urls.Count],
            Exchange = lane.Exchange,
            Hostname = $"web-{emitter}",
            // Room for every event: the test is about the broker failing over, not about the buffer.
            BufferCapacity = Jobs * EventsPerJob / Emitters + 1000,
            FlushTimeout = TimeSpan.FromMinutes(2),
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            MaxReconnectDelay = TimeSpan.FromSeconds(2),
        };
        foreach (var url in urls.Where(u => u != options.BrokerUrl)) options.FailoverBrokerUrls.Add(url);
        return options;
    }

    // Publishes as a worker would, a chunk at a time while the publisher keeps up, so that the stream spans the kill.
    private static async Task PublishAsync(EventPublisher publisher, EventFactory f, int jobs)
    {
        const int chunk = 250;
        for (var done = 0; done < jobs; done += chunk)
        {
            for (var i = done; i < Math.Min(jobs, done + chunk); i++)
            {
                foreach (var e in Events.SucceededJob(f, $"Job{i % 20}", "default")) publisher.TryPublish(e);
            }
            while (publisher.Buffered > 2 * chunk * EventsPerJob) await Task.Delay(5);
        }
    }

    // From the kill: the exporter notices the lost connection (connected 0), reconnects to a surviving node and
    // applies events again (connected 1 and the applied count growing, unless all were applied already).
    private static async Task<TimeSpan> TimeUntilConsumingAgainAsync(ExporterProcess exporter, Stopwatch sinceKill, double total)
    {
        var lost = await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 0, TimeSpan.FromSeconds(30),
            "the exporter to notice that the leader's node is gone");
        var appliedWhenLost = Events.Applied(lost);
        // On a quiet machine the exporter may have applied every event before the kill took effect; then there is
        // nothing left to consume, and being connected again is the resumption.
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1
                && (Events.Applied(m) > appliedWhenLost || Events.Applied(m) >= total),
            TimeSpan.FromMinutes(1), "the exporter to consume again from the new leader");
        return sinceKill.Elapsed;
    }
}
