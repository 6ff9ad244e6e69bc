using JobExporter.Aggregation;
using JobExporter.Contracts;

namespace JobExporter.Tests.Aggregation;

public class DeduplicatorTests
{
    [Test]
    public void A_million_distinct_event_ids_from_one_emitter_are_never_taken_for_duplicates()
    {
        var dedup = new Deduplicator(100_000);
        var factory = new EventFactory("hangfire", "web-1");
        var falseDuplicates = 0;
        for (var i = 0; i < 1_000_000; i++)
        {
            if (dedup.IsDuplicate(factory.Job(EventType.JobSent, "N", "q").Id)) falseDuplicates++;
        }
        Assert.That(falseDuplicates, Is.Zero);
    }

    [Test]
    public void An_id_seen_within_the_window_is_a_duplicate_and_one_pushed_out_of_it_is_not()
    {
        var dedup = new Deduplicator(3);
        Assert.That(dedup.IsDuplicate("a"), Is.False);
        Assert.That(dedup.IsDuplicate("a"), Is.True);
        foreach (var id in new[] { "b", "c", "d" }) Assert.That(dedup.IsDuplicate(id), Is.False);
        Assert.That(dedup.IsDuplicate("a"), Is.False, "a left the window of 3");
        Assert.That(dedup.Count, Is.EqualTo(3));
    }
}
