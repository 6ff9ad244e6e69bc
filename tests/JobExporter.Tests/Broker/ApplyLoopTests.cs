using JobExporter.Broker;
using JobExporter.Contracts;
using Microsoft.Extensions.Logging;

namespace JobExporter.Tests.Broker;

public class ApplyLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private TestExporter _exporter = null!;
    private CapturingLogger<ApplyLoop> _log = null!;

    // What the broker was told, with how many events the exporter had applied when it was told.
    private List<(ulong Tag, long EventsApplied)> _acks = null!;

    [SetUp]
    public void SetUp()
    {
        _exporter = new TestExporter();
        _log = new CapturingLogger<ApplyLoop>();
        _acks = [];
    }

    private BatchAcknowledger AckingEachDelivery(Action<ulong>? onAck = null) => new((tag, _) =>
    {
        onAck?.Invoke(tag);
        lock (_acks) _acks.Add((tag, _exporter.Applier.EventsSeen));
        return ValueTask.CompletedTask;
    }, batchSize: 1, QueueConsumer.AckLinger, TimeProvider.System);

    private void Enqueue(ApplyLoop loop, SessionDeliveries session, ulong tag, int events)
    {
        var delivery = loop.Rent(tag, session);
        for (var i = 0; i < events; i++) delivery.OnEvent(_exporter.Job(EventType.JobSent));
        loop.Enqueue(delivery);
    }

    [Test]
    public async Task Each_delivery_is_acknowledged_in_order_and_only_once_its_events_are_applied()
    {
        using var loop = new ApplyLoop(_exporter.Applier, _log);
        var session = new SessionDeliveries(AckingEachDelivery(), CancellationToken.None);
        long total = 0;
        var appliedThrough = new List<(ulong, long)>();
        for (ulong tag = 1; tag <= 200; tag++)
        {
            var events = (int)(tag % 7) + 1;
            Enqueue(loop, session, tag, events);
            total += events;
            appliedThrough.Add((tag, total));
        }
        await loop.DrainAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.That(_acks, Is.EqualTo(appliedThrough), "delivery N acknowledged after the events of 1..N were applied, none later");
        Assert.That(_exporter.Scrape().Value("jobs_sent_total", ("name", "InvoiceJob.Send")), Is.EqualTo(total));
    }

    [Test]
    public async Task A_lost_sessions_deliveries_are_neither_applied_nor_acknowledged_and_the_next_sessions_are()
    {
        using var loop = new ApplyLoop(_exporter.Applier, _log);
        var lost = new SessionDeliveries(AckingEachDelivery(), new CancellationToken(canceled: true));
        for (ulong tag = 1; tag <= 3; tag++) Enqueue(loop, lost, tag, events: 10);
        var next = new SessionDeliveries(AckingEachDelivery(), CancellationToken.None);
        Enqueue(loop, next, tag: 1, events: 4);
        await loop.DrainAsync(CancellationToken.None).WaitAsync(Patience);

        // Unacknowledged, the lost session's messages are delivered again on the next connection and counted then.
        Assert.That(_acks, Is.EqualTo(new[] { (1UL, 4L) }));
        Assert.That(_exporter.Applier.EventsSeen, Is.EqualTo(4));
    }

    [Test]
    public async Task A_failure_after_applying_is_logged_and_the_deliveries_after_it_are_still_applied()
    {
        using var loop = new ApplyLoop(_exporter.Applier, _log);
        var session = new SessionDeliveries(AckingEachDelivery(tag =>
        {
            if (tag == 2) throw new InvalidOperationException("a bug in acknowledging");
        }), CancellationToken.None);
        for (ulong tag = 1; tag <= 3; tag++) Enqueue(loop, session, tag, events: 5);
        await loop.DrainAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.That(_exporter.Applier.EventsSeen, Is.EqualTo(15));
        Assert.That(_acks.Select(a => a.Tag), Is.EqualTo(new ulong[] { 1, 3 }));
        Assert.That(_log.Lines.Count(l => l.Level == LogLevel.Error), Is.EqualTo(1));
    }

    [Test]
    public async Task When_capacity_deliveries_wait_the_dispatcher_waits_too()
    {
        using var release = new ManualResetEventSlim();
        using var loop = new ApplyLoop(_exporter.Applier, _log);
        // The first acknowledgement holds the loop, as a slow apply would.
        var session = new SessionDeliveries(AckingEachDelivery(tag =>
        {
            if (tag == 1) release.Wait(Patience);
        }), CancellationToken.None);
        Enqueue(loop, session, tag: 1, events: 1);
        await WaitUntil(() => _exporter.Applier.EventsSeen == 1);
        for (ulong tag = 2; tag <= ApplyLoop.Capacity + 1; tag++) Enqueue(loop, session, tag, events: 1);

        var overCapacity = Task.Run(() => Enqueue(loop, session, ApplyLoop.Capacity + 2, events: 1));
        await Task.Delay(200);
        Assert.That(overCapacity.IsCompleted, Is.False, "one more than the capacity waits for room");

        release.Set();
        await overCapacity.WaitAsync(Patience);
        await loop.DrainAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.That(_exporter.Applier.EventsSeen, Is.EqualTo(ApplyLoop.Capacity + 2));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("timed out");
            await Task.Delay(5);
        }
    }
}
