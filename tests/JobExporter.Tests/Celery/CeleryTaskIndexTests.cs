using JobExporter.Celery;

namespace JobExporter.Tests.Celery;

public class CeleryTaskIndexTests
{
    [Test]
    public void Tasks_with_a_uuid_and_a_shared_name_and_queue_fill_the_count_before_the_bytes()
    {
        var evicted = 0;
        var index = new CeleryTaskIndex(1000, () => evicted++);
        for (var i = 0; i < 1000; i++)
        {
            index.Describe(index.Add(Guid.NewGuid().ToString()), "app.tasks.send_invoice", "celery");
        }
        Assert.Multiple(() =>
        {
            Assert.That(index.Count, Is.EqualTo(1000));
            Assert.That(evicted, Is.EqualTo(0));
            Assert.That(index.Bytes, Is.LessThanOrEqualTo(1000L * CeleryTaskIndex.BytesPerTask));
        });
    }

    [Test]
    public void Tasks_with_long_distinct_names_are_kept_cut_and_within_the_byte_budget_the_oldest_forgotten_and_counted()
    {
        var evicted = 0;
        var index = new CeleryTaskIndex(1000, () => evicted++, maxValueLength: 128);
        for (var i = 0; i < 1000; i++)
        {
            var task = index.Add($"task-{i}");
            index.Describe(task, $"app.{i}.{new string('n', 10_000)}", $"q{i}.{new string('q', 10_000)}");
            Assert.That(index.Bytes, Is.LessThanOrEqualTo(index.Budget));
        }
        var newest = index.Find("task-999")!;
        Assert.Multiple(() =>
        {
            Assert.That(newest.Name, Has.Length.EqualTo(128));
            Assert.That(newest.Queue, Has.Length.EqualTo(128));
            Assert.That(evicted, Is.GreaterThan(0));
            Assert.That(index.Count + evicted, Is.EqualTo(1000));
            Assert.That(index.Find("task-0"), Is.Null);
        });
    }

    [Test]
    public void A_long_task_id_is_kept_as_its_hash_and_found_again_by_it()
    {
        var longId = new string('u', 100_000);
        var key = CeleryTaskIndex.KeyOf(longId).ToString();
        var index = new CeleryTaskIndex(10, () => { });
        index.Add(key);
        Assert.Multiple(() =>
        {
            Assert.That(key, Has.Length.LessThanOrEqualTo(CeleryTaskIndex.LongestUuid));
            Assert.That(CeleryTaskIndex.KeyOf(longId).ToString(), Is.EqualTo(key));
            Assert.That(CeleryTaskIndex.KeyOf(longId + "x").ToString(), Is.Not.EqualTo(key));
            Assert.That(index.Find(CeleryTaskIndex.KeyOf(longId)), Is.Not.Null);
            Assert.That(CeleryTaskIndex.KeyOf("3f2c1d52-8a4e-4a7e-9c51-0c1e5d6a7b8c").ToString(), Is.EqualTo("3f2c1d52-8a4e-4a7e-9c51-0c1e5d6a7b8c"));
        });
    }
}
