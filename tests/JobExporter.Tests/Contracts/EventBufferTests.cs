using System.Text;
using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

/// <summary>
/// The publisher's buffer, read back as the exporter reads its messages: every event in exactly one message, in the
/// order published, under its own routing key, and no message over the count or byte limit.
/// </summary>
public class EventBufferTests
{
    private sealed class Sink : IEventSink
    {
        public List<JobEvent> Events { get; } = [];
        public List<string> Invalid { get; } = [];
        public void OnEvent(JobEvent e) => Events.Add(e);
        public void OnInvalid(string reason) => Invalid.Add(reason);
    }

    private static List<JobEvent> Parse(OutgoingMessage message)
    {
        var sink = new Sink();
        new EventParser().Parse(message.Body.Span, sink);
        Assert.That(sink.Invalid, Is.Empty, Encoding.UTF8.GetString(message.Body.Span[..Math.Min(message.Body.Length, 400)]));
        return sink.Events;
    }

    private static List<OutgoingMessage> TakeAll(EventBuffer buffer)
    {
        var messages = new List<OutgoingMessage>();
        buffer.Take(messages, open: true, mostEvents: int.MaxValue);
        return messages;
    }

    private static List<JobEvent> Events(int count, int nameLength, EventType type = EventType.JobSucceeded, string hostname = "w1")
    {
        var factory = new EventFactory("hangfire", hostname);
        var name = new string('n', nameLength);
        return Enumerable.Range(0, count).Select(i => factory.Job(type, name, "default", $"{i}", runtime: i / 1000.0)).ToList();
    }

    private static JobEvent Event(EventType type, int n, string system, string hostname) => new()
    {
        Type = type, Id = $"{n}", Ts = n, System = system, Hostname = hostname, Name = "A.B", Queue = "q", JobId = $"{n}",
        Runtime = type == EventType.JobSucceeded ? 0.5 : null,
    };

    [Test]
    public void Each_event_goes_in_a_message_of_its_system_type_and_host_in_the_order_published()
    {
        var buffer = new EventBuffer(capacity: 10_000, maxEvents: 1000);
        var events = new List<JobEvent>();
        var n = 0;
        // Interleaved types, systems and hosts, and host names of equal text in new string instances.
        for (var i = 0; i < 30; i++)
        {
            foreach (var type in new[] { EventType.JobSent, EventType.JobStarted, EventType.JobSucceeded })
            {
                events.Add(Event(type, n++, "hangfire", i % 3 == 0 ? "h1" : new string("h2".ToCharArray())));
                events.Add(Event(type, n++, i % 2 == 0 ? "hangfire" : "masstransit", "h1"));
            }
        }
        foreach (var e in events) Assert.That(buffer.TryAdd(e), Is.True);
        Assert.That(buffer.Count, Is.EqualTo(events.Count));

        var messages = TakeAll(buffer);
        var got = messages.ToDictionary(m => m.RoutingKey, m => Parse(m).Select(e => e.Id).ToList());
        var expected = events.GroupBy(e => RoutingKeys.For(e.System, e.Type, e.Hostname)).ToDictionary(g => g.Key, g => g.Select(e => e.Id).ToList());
        Assert.That(got, Is.EquivalentTo(expected));
        Assert.That(buffer.Count, Is.Zero);
    }

    [Test]
    public void A_message_is_sealed_when_it_holds_the_most_events_and_open_messages_wait_until_asked_for()
    {
        var buffer = new EventBuffer(capacity: 10_000, maxEvents: 1000);
        foreach (var e in Events(2500, 20)) buffer.TryAdd(e);
        Assert.That(buffer.HasSealedMessage, Is.True);

        var full = new List<OutgoingMessage>();
        Assert.That(buffer.Take(full, open: false, mostEvents: int.MaxValue), Is.EqualTo(2000));
        Assert.That(full.Select(m => Parse(m).Count), Is.EqualTo(new[] { 1000, 1000 }));
        Assert.That(buffer.Count, Is.EqualTo(500), "the open message stays");
        Assert.That(buffer.OldestOpenSince(), Is.Not.Null);

        var rest = TakeAll(buffer);
        Assert.That(rest.Select(m => Parse(m).Count), Is.EqualTo(new[] { 500 }));
        Assert.That(Parse(full[0]).Concat(Parse(full[1])).Concat(Parse(rest[0])).Select(e => e.JobId), Is.EqualTo(Enumerable.Range(0, 2500).Select(i => $"{i}")));
        Assert.That(buffer.OldestOpenSince(), Is.Null);
    }

    [Test]
    public void Long_events_are_cut_by_bytes_so_that_no_message_is_over_the_limit()
    {
        var buffer = new EventBuffer(capacity: 10_000, maxEvents: 1000, maxBytes: 64 * 1024);
        foreach (var e in Events(1000, 2000)) buffer.TryAdd(e);
        var messages = TakeAll(buffer);
        Assert.That(messages.Select(m => m.Body.Length), Has.All.LessThanOrEqualTo(64 * 1024));
        Assert.That(messages.Sum(m => Parse(m).Count), Is.EqualTo(1000));
        Assert.That(messages.Count, Is.GreaterThan(1000 * 2000 / (64 * 1024)), "cut by bytes, not by count");
        Assert.That(messages.Take(messages.Count - 1).Select(m => m.Body.Length), Has.All.GreaterThan(60 * 1024), "each message filled before the next one starts");
    }

    [Test]
    public void The_default_limit_keeps_a_full_batch_of_long_names_under_the_exporters_body_limit()
    {
        var buffer = new EventBuffer(capacity: 10_000, maxEvents: 1000);
        foreach (var e in Events(1000, 1000)) buffer.TryAdd(e);
        var messages = TakeAll(buffer);
        Assert.That(messages, Has.Count.GreaterThan(1));
        Assert.That(messages.Select(m => m.Body.Length), Has.All.LessThanOrEqualTo(EventParserLimits.Default.MaxMessageBytes));
    }

    [Test]
    public void A_message_of_one_event_is_that_events_object_even_when_the_second_did_not_fit()
    {
        var buffer = new EventBuffer(capacity: 10_000, maxEvents: 1000, maxBytes: 4000);
        foreach (var e in Events(3, 3000)) buffer.TryAdd(e);
        var messages = TakeAll(buffer);
        Assert.That(messages.Select(m => Parse(m).Count), Is.EqualTo(new[] { 1, 1, 1 }));
        Assert.That(messages.Select(m => (char)m.Body.Span[0]), Has.All.EqualTo('{'));
    }

    [Test]
    public void An_event_larger_than_the_limit_still_goes_alone()
    {
        var buffer = new EventBuffer(capacity: 10_000, maxEvents: 1000, maxBytes: 4000);
        foreach (var e in Events(2, 10_000)) buffer.TryAdd(e);
        Assert.That(TakeAll(buffer).Select(m => Parse(m).Count), Is.EqualTo(new[] { 1, 1 }));
    }

    [Test]
    public void A_full_buffer_refuses_new_events_and_keeps_the_ones_it_has()
    {
        var buffer = new EventBuffer(capacity: 100, maxEvents: 30);
        var events = Events(150, 10);
        var taken = events.Where(buffer.TryAdd).ToList();
        Assert.That(taken, Is.EqualTo(events.Take(100)));
        Assert.That(buffer.Count, Is.EqualTo(100));
        Assert.That(TakeAll(buffer).SelectMany(Parse).Select(e => e.Id), Is.EqualTo(events.Take(100).Select(e => e.Id)));
        Assert.That(buffer.TryAdd(events[0]), Is.True, "room again once taken");
    }

    [Test]
    public void A_take_stays_within_the_events_asked_for_but_always_takes_one_message()
    {
        var buffer = new EventBuffer(capacity: 10_000, maxEvents: 100);
        foreach (var e in Events(450, 10)) buffer.TryAdd(e);
        var messages = new List<OutgoingMessage>();
        Assert.That(buffer.Take(messages, open: true, mostEvents: 250), Is.EqualTo(200));
        Assert.That(buffer.Take(messages, open: true, mostEvents: 1), Is.EqualTo(100));
        Assert.That(buffer.Count, Is.EqualTo(150));
    }

    [Test]
    public void A_completed_buffer_refuses_events_and_gives_back_the_ones_it_holds()
    {
        var buffer = new EventBuffer(capacity: 100, maxEvents: 30);
        foreach (var e in Events(40, 10)) buffer.TryAdd(e);
        buffer.Complete();
        Assert.That(buffer.IsCompleted, Is.True);
        Assert.That(buffer.TryAdd(Events(1, 10)[0]), Is.False);
        Assert.That(buffer.DiscardAll(), Is.EqualTo(40));
        Assert.That(buffer.Count, Is.Zero);
    }

    [Test]
    public async Task The_send_loop_is_woken_by_the_first_event_or_by_a_full_message_not_by_every_event()
    {
        var buffer = new EventBuffer(capacity: 10_000, maxEvents: 10);
        var events = Events(20, 10);

        var anyEvent = buffer.WaitAsync(anyEvent: true);
        Assert.That(anyEvent.IsCompleted, Is.False);
        buffer.TryAdd(events[0]);
        await anyEvent.WaitAsync(TimeSpan.FromSeconds(10));

        var full = buffer.WaitAsync(anyEvent: false);
        for (var i = 1; i < 9; i++) buffer.TryAdd(events[i]);
        Assert.That(full.IsCompleted, Is.False, "nine events: the message is not full yet");
        buffer.TryAdd(events[9]);
        await full.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(buffer.WaitAsync(anyEvent: false).IsCompleted, Is.True, "a full message is waiting");
    }

    [Test]
    public async Task Completing_or_waking_the_buffer_ends_a_wait()
    {
        var buffer = new EventBuffer(capacity: 100, maxEvents: 10);
        var woken = buffer.WaitAsync(anyEvent: true);
        buffer.Wake();
        await woken.WaitAsync(TimeSpan.FromSeconds(10));
        var completed = buffer.WaitAsync(anyEvent: true);
        buffer.Complete();
        await completed.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public void Writers_on_many_threads_lose_no_event()
    {
        var buffer = new EventBuffer(capacity: 1_000_000, maxEvents: 1000);
        var factory = new EventFactory("hangfire", "w1");
        Parallel.For(0, 8, t =>
        {
            for (var i = 0; i < 5000; i++) buffer.TryAdd(factory.Job(EventType.JobSucceeded, "A.B", "default", $"{t}-{i}", runtime: 0.5));
        });
        var ids = TakeAll(buffer).SelectMany(Parse).Select(e => e.JobId).ToList();
        Assert.That(ids, Has.Count.EqualTo(40_000));
        Assert.That(ids.Distinct().Count(), Is.EqualTo(40_000));
        // Each thread's events stay in their order.
        for (var t = 0; t < 8; t++)
        {
            var mine = ids.Where(id => id!.StartsWith($"{t}-", StringComparison.Ordinal)).Select(id => int.Parse(id!.Split('-')[1])).ToList();
            Assert.That(mine, Is.Ordered);
        }
    }
}
