using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

/// <summary>Ids and timestamps of the events an emitter builds: cheap to make, yet unique and on the wall clock.</summary>
public class EventFactoryTests
{
    [Test]
    public void Every_event_gets_its_own_32_character_hex_id()
    {
        var factory = new EventFactory("hangfire", "h");
        var ids = Enumerable.Range(0, 100_000).Select(_ => factory.Job(EventType.JobSent, "N", "q").Id).ToArray();
        Assert.That(ids, Is.Unique);
        Assert.That(ids, Has.All.Matches<string>(id => id.Length == 32 && id.All(Uri.IsHexDigit)));
    }

    [Test]
    public void Timestamps_follow_the_clock_and_take_in_an_adjustment_within_a_second()
    {
        var start = new DateTimeOffset(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);
        var time = new AdjustableClock(start);
        var factory = new EventFactory("hangfire", "h", time);
        Assert.That(factory.Now(), Is.EqualTo(start.ToUnixTimeSeconds()));

        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.That(factory.Now(), Is.EqualTo(start.ToUnixTimeSeconds() + 0.5).Within(1e-9));

        // The wall clock is set back an hour (NTP, an operator); the monotonic timestamp does not move.
        time.Wall = time.Wall.AddHours(-1);
        Assert.That(factory.Now(), Is.EqualTo(start.ToUnixTimeSeconds() + 0.5).Within(1e-9), "until the next anchor");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(factory.Now(), Is.EqualTo(start.AddHours(-1).ToUnixTimeSeconds() + 1.5).Within(1e-9), "after a second the events carry the new time");
    }

    /// <summary>A wall clock that can be set back while the monotonic timestamp only moves forward, as on a real host.</summary>
    private sealed class AdjustableClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks;

        public DateTimeOffset Wall { get; set; } = start;

        public void Advance(TimeSpan by)
        {
            Wall += by;
            _ticks += by.Ticks;
        }

        public override DateTimeOffset GetUtcNow() => Wall;

        public override long GetTimestamp() => _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }
}
