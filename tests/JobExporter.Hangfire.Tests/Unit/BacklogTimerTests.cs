using Hangfire.InMemory;
using JobExporter.Contracts;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;
using Microsoft.Extensions.Time.Testing;

namespace JobExporter.Hangfire.Tests.Unit;

/// <summary>The backlog reporter's timer and per-read timeout on a fake clock, at their exact boundaries.</summary>
[TestFixture]
[NonParallelizable]
public sealed class BacklogTimerTests
{
    private static readonly TimeSpan Interval = new Hangfire.Backlog.BacklogOptions().Interval;
    private static readonly TimeSpan Timeout = new Hangfire.Backlog.BacklogOptions().Timeout;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    [Test]
    public async Task Reads_once_at_start_then_once_per_interval_and_a_hung_read_fails_exactly_at_its_timeout()
    {
        using var inner = new InMemoryStorage();
        using var gate = new ManualResetEventSlim(true);
        var storage = new FaultyStorage(inner) { Hang = gate };
        var publisher = new RecordingPublisher();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new JobExporterHangfireOptions { BrokerUrl = new Uri("amqp://guest:guest@127.0.0.1:1/"), HeartbeatInterval = TimeSpan.FromHours(1) };
        await using var world = new HangfireWorld(options, publisher: publisher, time: time, storage: storage);
        world.StartServer(workers: 1);

        await Waiting.UntilAsync(() => publisher.Count(EventType.StorageBacklog) == 1, "the read at start");
        for (var n = 2; n <= 3; n++)
        {
            time.Advance(Interval - Tick);
            Assert.That(storage.Reads, Is.EqualTo(n - 1), "no read before the interval is over");
            time.Advance(Tick);
            await Waiting.UntilAsync(() => publisher.Count(EventType.StorageBacklog) == n, $"read {n}, one interval on");
        }
        var snapshot = publisher.Of(EventType.StorageBacklog).Last();
        Assert.That(snapshot.Interval, Is.EqualTo(Interval.TotalSeconds), "the snapshot says how often it comes, for staleness");

        gate.Reset();
        time.Advance(Interval);
        await Waiting.UntilAsync(() => storage.Reads == 4, "the fourth read to start and hang");
        time.Advance(Timeout - Tick);
        Assert.That(world.Emitter!.BacklogFailures, Is.Zero, "not failed before its timeout");
        time.Advance(Tick);
        await Waiting.UntilAsync(() => world.Emitter.BacklogFailures == 1, "the hung read to fail at its timeout");
        gate.Set();
        Assert.That(publisher.Count(EventType.StorageBacklog), Is.EqualTo(3), "a timed-out read publishes nothing, even when it ends later");
    }
}
