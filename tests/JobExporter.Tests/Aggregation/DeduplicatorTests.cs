using JobExporter.Aggregation;
using JobExporter.Contracts;

namespace JobExporter.Tests.Aggregation;

public class DeduplicatorTests
{
    // An id asked for as the applier asks: by the hash the window keeps of it.
    private static bool IsDuplicate(Deduplicator dedup, string id) => dedup.IsDuplicate(dedup.HashOf(id));

    [Test]
    public void A_million_distinct_event_ids_from_one_emitter_are_never_taken_for_duplicates()
    {
        var dedup = new Deduplicator(100_000);
        var factory = new EventFactory("hangfire", "web-1");
        var falseDuplicates = 0;
        for (var i = 0; i < 1_000_000; i++)
        {
            if (IsDuplicate(dedup, factory.Job(EventType.JobSent, "N", "q").Id)) falseDuplicates++;
        }
        Assert.That(falseDuplicates, Is.Zero);
    }

    [Test]
    public void An_id_seen_within_the_window_is_a_duplicate_and_one_pushed_out_of_it_is_not()
    {
        var dedup = new Deduplicator(3);
        Assert.That(IsDuplicate(dedup, "a"), Is.False);
        Assert.That(IsDuplicate(dedup, "a"), Is.True);
        foreach (var id in new[] { "b", "c", "d" }) Assert.That(IsDuplicate(dedup, id), Is.False);
        Assert.That(IsDuplicate(dedup, "a"), Is.False, "a left the window of 3");
        Assert.That(dedup.Count, Is.EqualTo(3));
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(64)]
    [TestCase(1000)]
    public void It_answers_as_a_plain_window_of_the_last_ids_would_over_many_repeats_and_evictions(int window)
    {
        // A pool of ids a few times the window, drawn at random: many repeats inside the window, many ids pushed out and
        // seen again, and full runs in the table where forgetting one must keep the others findable.
        var random = new Random(window);
        var dedup = new Deduplicator(window);
        var remembered = new HashSet<string>();
        var order = new Queue<string>();
        for (var i = 0; i < 200_000; i++)
        {
            var id = $"job-{random.Next(window * 3 + 1)}";
            var expected = remembered.Contains(id);
            Assert.That(IsDuplicate(dedup, id), Is.EqualTo(expected), $"call {i}, id {id}");
            if (expected) continue;
            remembered.Add(id);
            order.Enqueue(id);
            if (order.Count > window) remembered.Remove(order.Dequeue());
        }
        Assert.That(dedup.Count, Is.EqualTo(remembered.Count));
    }

    [TestCase(7)]
    [TestCase(1000)]
    public void Preloading_a_run_of_hashes_changes_no_answer(int window)
    {
        // As the applier asks for a message's events: a run of hashes preloaded, then each asked in turn. Runs longer than
        // the window push out ids that the same run brought.
        var random = new Random(window);
        var preloaded = new Deduplicator(window);
        var plain = new Deduplicator(window);
        for (var call = 0; call < 200_000;)
        {
            var run = new ulong[random.Next(1, 2 * window + 2)];
            for (var i = 0; i < run.Length; i++) run[i] = preloaded.HashOf($"job-{random.Next(window * 3 + 1)}");
            preloaded.Preload(run);
            foreach (var hash in run)
            {
                Assert.That(preloaded.IsDuplicate(hash), Is.EqualTo(plain.IsDuplicate(hash)), $"call {call++}");
            }
        }
        Assert.That(preloaded.Count, Is.EqualTo(plain.Count));
        // A hash of 0 is kept as 1.
        preloaded.Preload([0]);
        Assert.That(preloaded.IsDuplicate(0), Is.EqualTo(plain.IsDuplicate(0)));
    }

    [Test]
    public void A_window_of_zero_remembers_nothing()
    {
        var dedup = new Deduplicator(0);
        Assert.That(IsDuplicate(dedup, "a"), Is.False);
        Assert.That(IsDuplicate(dedup, "a"), Is.False, "--events.dedup-window=0 turns de-duplication off");
        dedup.Preload([dedup.HashOf("a")]);
        Assert.That(IsDuplicate(dedup, "a"), Is.False);
    }
}
