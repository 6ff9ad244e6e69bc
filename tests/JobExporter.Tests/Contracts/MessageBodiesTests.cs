using System.Text;
using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

/// <summary>The publisher's message bodies: never more events or bytes than a message may hold, and nothing lost in the cut.</summary>
public class MessageBodiesTests
{
    // Cuts every event into bodies as the publisher does and parses each body as the exporter does.
    private static List<(byte[] Body, List<JobEvent> Events)> Cut(IReadOnlyList<JobEvent> events, int maxEvents, int maxBytes)
    {
        var bodies = new List<(byte[], List<JobEvent>)>();
        for (var start = 0; start < events.Count;)
        {
            using var body = new PooledBufferWriter(16);
            var taken = MessageBodies.Write(body, [.. events.Select(e => new PendingEvent(e))], start, maxEvents, maxBytes);
            var bytes = body.WrittenMemory.ToArray();
            var sink = new RecordingSink();
            new EventParser().Parse(bytes, sink);
            Assert.That(sink.Invalid, Is.Empty, Encoding.UTF8.GetString(bytes));
            Assert.That(sink.Events, Is.EqualTo(events.Skip(start).Take(taken)), "a body holds exactly the events it says it took");
            bodies.Add((bytes, sink.Events));
            start += taken;
        }
        return bodies;
    }

    private static List<JobEvent> Events(int count, int nameLength)
    {
        var factory = new EventFactory("hangfire", "w1");
        var name = new string('n', nameLength);
        return Enumerable.Range(0, count).Select(i => factory.Job(EventType.JobSucceeded, name, "default", $"{i}", runtime: i / 1000.0)).ToList();
    }

    [Test]
    public void Ordinary_events_are_cut_by_count_only()
    {
        var bodies = Cut(Events(2500, 20), 1000, MessageBodies.MaxBytes);
        Assert.That(bodies.Select(b => b.Events.Count), Is.EqualTo(new[] { 1000, 1000, 500 }));
    }

    [Test]
    public void Long_events_are_cut_by_bytes_so_that_no_body_is_over_the_limit()
    {
        var events = Events(1000, 2000);
        var bodies = Cut(events, 1000, 64 * 1024);
        Assert.That(bodies.Select(b => b.Body.Length), Has.All.LessThanOrEqualTo(64 * 1024));
        Assert.That(bodies.Sum(b => b.Events.Count), Is.EqualTo(1000));
        Assert.That(bodies.Count, Is.GreaterThan(1000 * 2000 / (64 * 1024)), "cut by bytes, not by count");
        Assert.That(bodies.Take(bodies.Count - 1).Select(b => b.Body.Length), Has.All.GreaterThan(60 * 1024), "each body filled before the next one starts");
    }

    [Test]
    public void The_default_limit_keeps_a_full_batch_of_long_names_under_the_exporters_body_limit()
    {
        var bodies = Cut(Events(1000, 1000), 1000, MessageBodies.MaxBytes);
        Assert.That(bodies, Has.Count.GreaterThan(1));
        Assert.That(bodies.Select(b => b.Body.Length), Has.All.LessThanOrEqualTo(EventParserLimits.Default.MaxMessageBytes));
    }

    [Test]
    public void A_body_of_one_event_is_an_object_even_when_the_second_did_not_fit()
    {
        var events = Events(3, 3000);
        var bodies = Cut(events, 1000, 4000);
        Assert.That(bodies.Select(b => b.Events.Count), Is.EqualTo(new[] { 1, 1, 1 }));
        Assert.That(bodies.Select(b => (char)b.Body[0]), Has.All.EqualTo('{'));
    }

    [Test]
    public void An_event_larger_than_the_limit_still_goes_alone()
    {
        var bodies = Cut(Events(2, 10_000), 1000, 4000);
        Assert.That(bodies.Select(b => b.Events.Count), Is.EqualTo(new[] { 1, 1 }));
    }
}
