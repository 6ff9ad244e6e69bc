using JobExporter.Broker;
using Microsoft.Extensions.Time.Testing;

namespace JobExporter.Tests.Broker;

public class BatchAcknowledgerTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(100);

    private readonly List<ulong> _acks = [];
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _acks.Clear();
        _time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
    }

    private BatchAcknowledger Acknowledger(int batchSize, long maxEvents = long.MaxValue) => new((tag, _) =>
    {
        lock (_acks) _acks.Add(tag);
        return ValueTask.CompletedTask;
    }, batchSize, Linger, _time, maxEvents);

    [Test]
    public async Task Messages_of_many_events_are_acknowledged_before_their_events_outgrow_a_quarter_of_the_dedup_window()
    {
        // 500 events a message (an emitter's batch) and the default window of 100,000: without the event bound, 250
        // messages (125,000 events) would wait for one ack, and a lost connection would deliver more again than the
        // window remembers, so they would be counted twice.
        var acks = Acknowledger(batchSize: 250, maxEvents: BatchAcknowledger.MaxEventsFor(100_000));
        for (ulong tag = 1; tag <= 250; tag++) await acks.AppliedAsync(tag, CancellationToken.None, events: 500);
        Assert.That(_acks, Is.EqualTo(new ulong[] { 50, 100, 150, 200, 250 }), "an ack every 25,000 events");
    }

    [Test]
    public void With_deduplication_off_only_the_delivery_count_bounds_a_batch() =>
        Assert.That(BatchAcknowledger.MaxEventsFor(0), Is.EqualTo(long.MaxValue));

    [Test]
    public async Task A_full_batch_is_acknowledged_with_one_multiple_ack_up_to_its_last_delivery()
    {
        var acks = Acknowledger(batchSize: 250);
        for (ulong tag = 1; tag <= 1000; tag++) await acks.AppliedAsync(tag, CancellationToken.None);
        Assert.That(_acks, Is.EqualTo(new ulong[] { 250, 500, 750, 1000 }));
        Assert.That(acks.Pending, Is.EqualTo(0));
    }

    [Test]
    public async Task When_the_stream_pauses_the_rest_is_acknowledged_after_the_linger_not_before()
    {
        var acks = Acknowledger(batchSize: 250);
        for (ulong tag = 1; tag <= 260; tag++) await acks.AppliedAsync(tag, CancellationToken.None);
        Assert.That(_acks, Is.EqualTo(new ulong[] { 250 }));

        _time.Advance(Linger - TimeSpan.FromMilliseconds(1));
        Assert.That(acks.Pending, Is.EqualTo(10), "nothing more before the linger is over");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await WaitUntil(() => acks.Pending == 0);
        Assert.That(_acks, Is.EqualTo(new ulong[] { 250, 260 }));
    }

    [Test]
    public async Task A_single_message_on_a_quiet_queue_is_acknowledged_after_the_linger()
    {
        var acks = Acknowledger(batchSize: 250);
        await acks.AppliedAsync(1, CancellationToken.None);
        Assert.That(_acks, Is.Empty);
        _time.Advance(Linger);
        await WaitUntil(() => acks.Pending == 0);
        Assert.That(_acks, Is.EqualTo(new ulong[] { 1 }));

        // The next one after the pause gets its own linger.
        await acks.AppliedAsync(2, CancellationToken.None);
        _time.Advance(Linger);
        await WaitUntil(() => acks.Pending == 0);
        Assert.That(_acks, Is.EqualTo(new ulong[] { 1, 2 }));
    }

    [Test]
    public async Task Flushing_before_close_acknowledges_what_was_applied_and_nothing_is_acknowledged_twice()
    {
        var acks = Acknowledger(batchSize: 250);
        for (ulong tag = 1; tag <= 7; tag++) await acks.AppliedAsync(tag, CancellationToken.None);
        await acks.FlushAsync(CancellationToken.None);
        await acks.FlushAsync(CancellationToken.None);
        _time.Advance(Linger);
        await Task.Yield();
        Assert.That(_acks, Is.EqualTo(new ulong[] { 7 }));
    }

    [Test]
    public void The_batch_is_a_quarter_of_the_prefetch_so_the_broker_never_waits_for_a_batch_to_fill()
    {
        Assert.That(BatchAcknowledger.BatchSizeFor(1000), Is.EqualTo(250));
        Assert.That(BatchAcknowledger.BatchSizeFor(1), Is.EqualTo(1));
        Assert.That(BatchAcknowledger.BatchSizeFor(3), Is.EqualTo(1));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("condition not met within 10 s");
            await Task.Yield();
        }
    }
}
