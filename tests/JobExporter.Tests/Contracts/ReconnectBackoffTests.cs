using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

/// <summary>The publisher's waits between reconnections: doubling, capped, and spread so that workers do not reconnect in step.</summary>
public class ReconnectBackoffTests
{
    [Test]
    public void Each_wait_is_between_half_and_all_of_a_base_that_doubles_up_to_the_longest()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4), new Random(1));
        var bases = new[] { 500, 1000, 2000, 4000, 4000, 4000 };
        foreach (var ms in bases)
        {
            var wait = backoff.Next();
            Assert.That(wait, Is.InRange(TimeSpan.FromMilliseconds(ms / 2.0), TimeSpan.FromMilliseconds(ms)), $"base {ms} ms");
        }
        backoff.Reset();
        Assert.That(backoff.Next(), Is.InRange(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500)), "after a success it starts over");
    }

    [Test]
    public void Three_hundred_workers_that_lost_the_broker_together_come_back_spread_over_the_window()
    {
        // Each pod has its own randomly seeded generator, as each publisher does.
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
}
