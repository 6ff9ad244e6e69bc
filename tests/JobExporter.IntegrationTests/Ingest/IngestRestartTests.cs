using System.Diagnostics;
using JobExporter.Contracts;
using JobExporter.Emitter;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Ingest;

/// <summary>
/// An emitter posting over HTTP, and its exporter killed outright (SIGKILL) in the middle of 100,000 events, then
/// started again on the same port: the emitter keeps what was not acknowledged and sends it again, so nothing is lost.
/// Events, not Hangfire jobs: 100,000 jobs take minutes on a shared test machine; the publisher under the jobs is the same.
/// </summary>
public class IngestRestartTests
{
    [Test]
    public async Task A_killed_exporter_gets_after_restart_exactly_the_events_it_had_not_acknowledged_and_none_is_dropped()
    {
        const int events = 100_000;
        var port = FreePort.Next();
        string[] args = ["--web.listen-address", $"127.0.0.1:{port}", "--web.enable-ingest"];
        var victim = await ExporterProcess.StartWithArgsAsync(port, args);
        var f = new EventFactory("hangfire", "restart-1");
        var publisher = new EventPublisher(new EventPublisherOptions
        {
            ExporterUrl = victim.BaseUrl,
            // Room for every event while the exporter is away: zero drops is the claim.
            BufferCapacity = 2 * events,
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
        });
        try
        {
            // Paced, so that the kill lands mid-stream: about 25,000 events a second.
            var producing = Task.Run(async () =>
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < events; i++)
                {
                    publisher.TryPublish(f.Job(EventType.JobSent, "Restart.Job", "default"));
                    if (i % 1000 != 999) continue;
                    var ahead = TimeSpan.FromMilliseconds(40.0 * (i + 1) / 1000) - clock.Elapsed;
                    if (ahead > TimeSpan.Zero) await Task.Delay(ahead);
                }
            });
            await victim.WaitForMetricsAsync(m => m.Value("jobs_sent_total", ("name", "Restart.Job")) >= events / 5, TimeSpan.FromSeconds(60), "a fifth applied");
            var failuresBefore = publisher.PublishFailures;
            await victim.KillAsync();
            // What was acknowledged before the kill is known once a post to the dead exporter has failed on a second
            // connection: every batch of the first one is settled by then (acknowledged, or kept to be sent again).
            await victim.WaitUntilAsync(() => Task.FromResult(publisher.PublishFailures >= failuresBefore + 2), TimeSpan.FromSeconds(30), "two posts to fail");
            var acknowledged = publisher.Published;
            Assert.That(acknowledged, Is.GreaterThan(0).And.LessThan(events), "the kill must come mid-stream");

            await using var survivor = await ExporterProcess.StartWithArgsAsync(port, args);
            await producing;
            var left = events - acknowledged;
            var m = await survivor.WaitForMetricsAsync(mm => mm.Value("jobs_sent_total", ("name", "Restart.Job")) >= left, TimeSpan.FromSeconds(120),
                $"{left} events applied after restart");
            await survivor.WaitUntilAsync(() => Task.FromResult(publisher.Published == events && publisher.Buffered == 0), TimeSpan.FromSeconds(60),
                "every event acknowledged");
            var final = await survivor.ScrapeAsync();
            Assert.Multiple(() =>
            {
                Assert.That(final.Value("jobs_sent_total", ("name", "Restart.Job")), Is.EqualTo(left), "the restarted exporter counts exactly what the dead one had not acknowledged");
                Assert.That(publisher.Dropped, Is.Zero);
                Assert.That(publisher.Published, Is.EqualTo(events));
            });
            TestContext.Out.WriteLine($"killed after {acknowledged} of {events} events were acknowledged; the restarted exporter counted the other {left}; " +
                $"{publisher.PublishFailures} failed posts, {publisher.Dropped} dropped");
        }
        finally
        {
            await publisher.DisposeAsync();
            await victim.DisposeAsync();
        }
    }
}
