using System.Text;
using JobExporter.Events;

namespace JobExporter.Tests.Events;

public class Utf8StringCacheTests
{
    [Test]
    public void A_value_read_again_is_the_same_string()
    {
        var cache = new Utf8StringCache(10);
        var first = cache.Get("celery@wörker-1"u8);
        var again = cache.Get(Encoding.UTF8.GetBytes("celery@wörker-1"));
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo("celery@wörker-1"));
            Assert.That(again, Is.SameAs(first));
        });
    }

    [Test]
    public void A_flood_of_distinct_values_keeps_at_most_the_capacity_and_every_value_right()
    {
        var cache = new Utf8StringCache(100);
        for (var i = 0; i < 1000; i++)
        {
            Assert.That(cache.Get(Encoding.UTF8.GetBytes($"host-{i}")), Is.EqualTo($"host-{i}"));
            Assert.That(cache.Count, Is.LessThanOrEqualTo(100));
        }
    }

    [Test]
    public void A_value_longer_than_the_longest_kept_is_read_whole()
    {
        var cache = new Utf8StringCache(10);
        var text = new string('é', Utf8StringCache.LongestValue);
        Assert.Multiple(() =>
        {
            Assert.That(cache.Get(Encoding.UTF8.GetBytes(text)), Is.EqualTo(text));
            Assert.That(cache.Count, Is.EqualTo(0));
        });
    }

    [Test]
    public void Values_that_share_their_length_and_most_bytes_each_keep_their_own_string()
    {
        // 1,000 values in a table of 2,048 slots: runs of neighbours form, and each value must still find its own.
        var cache = new Utf8StringCache(1000);
        var first = Enumerable.Range(0, 1000).Select(i => cache.Get(Encoding.UTF8.GetBytes($"worker-{i:D4}"))).ToList();
        for (var i = 0; i < 1000; i++)
        {
            Assert.That(cache.Get(Encoding.UTF8.GetBytes($"worker-{i:D4}")), Is.SameAs(first[i]).And.EqualTo($"worker-{i:D4}"));
        }
        Assert.That(cache.Count, Is.EqualTo(1000));
    }

    [Test]
    public void A_value_of_the_longest_length_is_kept_and_one_byte_more_is_not()
    {
        var cache = new Utf8StringCache(10);
        var longest = Encoding.UTF8.GetBytes(new string('a', Utf8StringCache.LongestValue));
        var longer = Encoding.UTF8.GetBytes(new string('a', Utf8StringCache.LongestValue + 1));
        Assert.That(cache.Get(longest), Is.SameAs(cache.Get(longest)));
        Assert.That(cache.Get(longer), Is.Not.SameAs(cache.Get(longer)).And.EqualTo(new string('a', Utf8StringCache.LongestValue + 1)));
        Assert.That(cache.Count, Is.EqualTo(1));
    }
}
