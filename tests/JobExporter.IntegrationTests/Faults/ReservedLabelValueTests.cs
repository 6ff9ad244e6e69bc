using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>Label values the exporter writes itself (<c>__other__</c> for folded values, <c>unknown</c> for missing ones) cannot come from events.</summary>
public class ReservedLabelValueTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    [Test]
    public async Task An_event_naming_other_or_unknown_is_counted_under_a_renamed_value_and_the_rename_is_counted()
    {
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(Broker, lane.ExporterArgs);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        await using (var publisher = lane.Publisher(Broker))
        {
            publisher.TryPublish(new EventFactory("hangfire", "unknown").Job(EventType.JobSucceeded, "__other__", "unknown") with { Runtime = 0.1 });
            publisher.TryPublish(new EventFactory("hangfire", "web-1").Job(EventType.JobSucceeded, "Real.Job", "default") with { Runtime = 0.1 });
        }
        var m = await Events.WaitForAppliedAsync(exporter, 2);
        Assert.Multiple(() =>
        {
            Assert.That(m.Value("jobs_succeeded_total", ("name", "___other___"), ("queue", "_unknown_"), ("hostname", "_unknown_")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_succeeded_total", ("name", "Real.Job"), ("queue", "default"), ("hostname", "web-1")), Is.EqualTo(1));
            Assert.That(m.Has("jobs_succeeded_total", ("name", "__other__")), Is.False);
            Assert.That(m.Has("jobs_succeeded_total", ("queue", "unknown")), Is.False);
            Assert.That(m.Value("jobs_exporter_label_renamed_total", ("label", "name")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_label_renamed_total", ("label", "queue")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_label_renamed_total", ("label", "hostname")), Is.GreaterThanOrEqualTo(1));
            Assert.That(m.Value("jobs_exporter_label_renamed_total", ("label", "exception")), Is.EqualTo(0));
        });
    }
}
