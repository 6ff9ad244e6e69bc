using JobExporter.Transport;

namespace JobExporter.Tests.Transport;

/// <summary>The one backoff of the emitters and the exporter: doubling, capped, and spread so that clients do not reconnect in step.</summary>
public class ReconnectBackoffTests
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    [Test]
    public void Each_wait_is_between_half_and_all_of_a_step_that_doubles_up_to_the_longest()
    {
        var lowest = new ReconnectBackoff(First, Longest, new FixedRandom(0.0));
        var highest = new ReconnectBackoff(First, Longest, new FixedRandom(0.999999));
        var steps = new[] { 1, 2, 4, 8, 16, 30, 30 };
        foreach (var step in steps)
        {
            Assert.That(lowest.Next().TotalSeconds, Is.EqualTo(step / 2.0).Within(0.001), $"step {step}s, lowest draw");
            Assert.That(highest.Next().TotalSeconds, Is.EqualTo(step).Within(0.001), $"step {step}s, highest draw");
        }
    }

    [Test]
    public void Sidecars_that_lost_the_same_broker_do_not_come_back_in_lockstep()
    {
        // 200 exporters, each with its own random source, all at their 30 s step after a long outage.
        var waits = Enumerable.Range(0, 200).Select(seed =>
        {
            var backoff = new ReconnectBackoff(First, Longest, new Random(seed));
            for (var i = 0; i < 6; i++) backoff.Next();
            return backoff.Next().TotalSeconds;
        }).ToList();
        Assert.That(waits, Is.All.InRange(15.0, 30.0));
        // Spread over the step: no one-second slot holds more than a fifth of them.
        var busiestSecond = waits.GroupBy(w => (int)w).Max(g => g.Count());
        Assert.That(busiestSecond, Is.LessThan(40), string.Join(", ", waits.Select(w => w.ToString("F1"))));
    }

    [Test]
    public void A_connection_that_worked_starts_the_next_outage_from_the_first_step()
    {
        var backoff = new ReconnectBackoff(First, Longest, new FixedRandom(0.999999));
        for (var i = 0; i < 5; i++) backoff.Next();
        backoff.Reset();
        Assert.That(backoff.Next().TotalSeconds, Is.EqualTo(1).Within(0.001));
    }

    [Test]
    public void Three_hundred_workers_that_lost_the_broker_together_come_back_spread_over_the_window()
    {
        // The emitters' defaults past their first steps; each pod has its own randomly seeded generator, as each publisher does.
        var waits = Enumerable.Range(0, 300)
            .Select(_ => new ReconnectBackoff(TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(15), new Random()).Next())
            .ToArray();
        // Between 4 s and 8 s, in 100 ms slots: without jitter all 300 would share one slot.
        var busiestSlot = waits.GroupBy(w => (int)(w.TotalMilliseconds / 100)).Max(g => g.Count());
        Assert.Multiple(() =>
        {
            Assert.That(waits, Has.All.InRange(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)));
            Assert.That(busiestSlot, Is.LessThan(30), "no 100 ms slot takes a tenth of the workers");
            Assert.That(waits.Max() - waits.Min(), Is.GreaterThan(TimeSpan.FromSeconds(3)), "the waits cover most of the window");
        });
    }

    /// <summary>A random source that always draws the same number: the seam for the jitter's bounds.</summary>
    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
