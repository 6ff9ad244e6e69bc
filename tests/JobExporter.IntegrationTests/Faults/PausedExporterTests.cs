using System.Diagnostics;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>
/// The exporter frozen (SIGSTOP: a long GC pause, a stopped container, a starved VM) until the broker gives up on its
/// silent connection, with events waiting in its queue, then let run again (SIGCONT) just as the broker dropped it.
/// </summary>
public class PausedExporterTests
{
    private const int Rounds = 2;
    private const int EventsPerRound = 20_000;

    /// <summary>"Within seconds" on a loaded 2-core machine. Before the fix it took a minute (three missed 15 s heartbeats).</summary>
    private static readonly TimeSpan Truthful = TimeSpan.FromSeconds(25);

    [Test]
    public async Task After_the_broker_drops_a_frozen_exporter_readiness_tells_the_truth_within_seconds_and_every_event_is_counted()
    {
        var node = SharedBroker.Node;
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(node.AmqpUrl, lane.ExporterArgs);
        await WaitUntilConsumingAsync(exporter, node, lane.Queue, Events.Patience);
        await using var raw = await lane.RawPublisherAsync(node.AmqpUrl);
        var f = new EventFactory("hangfire", "paused-1");

        var published = 0;
        var rounds = new List<string>();
        for (var round = 1; round <= Rounds; round++)
        {
            exporter.Pause();
            var paused = Stopwatch.StartNew();
            try
            {
                await raw.PublishManyAsync(Enumerable.Range(0, EventsPerRound).Select(_ => EventJson.Serialize(f.Job(EventType.JobSent, "Paused.Job", "default"))));
                published += EventsPerRound;
                // The broker drops a connection silent for two to three heartbeats (15 s, the exporter's): it then lists no consumer.
                await Waiting.UntilAsync(async () => (await node.QueueStateAsync(lane.Queue))?.Consumers == 0,
                    "the broker to drop the frozen exporter's connection", TimeSpan.FromSeconds(120));
            }
            finally
            {
                exporter.Resume();
            }
            var frozen = paused.Elapsed;

            var resumed = Stopwatch.StartNew();
            // The claim is readiness within seconds; draining the round's backlog afterwards takes what the machine gives it.
            await WaitUntilConsumingAsync(exporter, node, lane.Queue, Truthful);
            await exporter.WaitForMetricsAsync(m => Events.Applied(m) >= published, Events.Patience, $"round {round}: all {published} events counted after SIGCONT");
            rounds.Add($"round {round}: frozen {frozen.TotalSeconds:F0} s; all counted and consuming again {resumed.Elapsed.TotalSeconds:F1} s after SIGCONT");
        }

        // Ready means what the broker sees: a consumer on the queue, for a while after the last round.
        for (var check = 0; check < 10; check++)
        {
            var ready = (await exporter.GetAsync("readyz")).IsSuccessStatusCode;
            var connected = (await exporter.ScrapeAsync()).Value("jobs_exporter_broker_connected");
            var consumers = (await node.QueueStateAsync(lane.Queue))?.Consumers;
            Assert.That((ready, connected, consumers), Is.EqualTo((true, 1.0, 1L)), "ready, connected, consumers on the broker");
            await Task.Delay(200);
        }
        var final = await exporter.ScrapeAsync();
        Assert.That(final.Value("jobs_sent_total"), Is.EqualTo(published), "each event counted once");
        Assert.That(final.Value("jobs_exporter_broker_recoveries_total", ("queue", lane.Queue)), Is.EqualTo(Rounds), "one recovery a round");
        Assert.That(exporter.Output, Does.Contain("Lost the consumer of " + lane.Queue));
        TestContext.Out.WriteLine(string.Join("\n", rounds));
    }

    /// <summary>Ready, connected, and the broker shows one consumer on the queue: what the exporter says and the truth agree.</summary>
    private static Task WaitUntilConsumingAsync(ExporterProcess exporter, RabbitMqNode node, string queue, TimeSpan timeout) =>
        exporter.WaitUntilAsync(async () =>
            (await exporter.GetAsync("readyz")).IsSuccessStatusCode
            && (await exporter.ScrapeAsync()).Value("jobs_exporter_broker_connected") == 1
            && (await node.QueueStateAsync(queue))?.Consumers == 1,
            timeout, "/readyz ready, connected 1 and a consumer on the broker");
}
