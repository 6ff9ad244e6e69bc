using System.Text;
using JobExporter.Events;

namespace JobExporter.Tests.Events;

/// <summary>
/// The hash behind the label cache and the de-duplication window: two different ids with one hash would drop the second
/// event as a duplicate, so every byte must count and emitter-shaped ids must not collide.
/// </summary>
public class ByteHashTests
{
    [Test]
    public void Changing_any_one_byte_of_a_value_of_any_length_changes_its_hash()
    {
        for (var length = 1; length <= 40; length++)
        {
            var value = Encoding.ASCII.GetBytes(new string('a', length));
            var hash = ByteHash.Of(value, ByteHash.ProcessSeed);
            for (var position = 0; position < length; position++)
            {
                var changed = (byte[])value.Clone();
                changed[position] = (byte)'b';
                Assert.That(ByteHash.Of(changed, ByteHash.ProcessSeed), Is.Not.EqualTo(hash), $"length {length}, byte {position}");
            }
        }
    }

    [Test]
    public void Values_that_differ_only_in_length_hash_differently()
    {
        // Zero bytes read as a tail are zero bits: only the length tells "a" from "a\0".
        var hashes = Enumerable.Range(0, 17).Select(n => ByteHash.Of(new byte[n], ByteHash.ProcessSeed)).ToList();
        Assert.That(hashes.Distinct().Count(), Is.EqualTo(hashes.Count));
    }

    [Test]
    public void A_million_emitter_ids_have_a_million_hashes()
    {
        // As the emitters make them: 32 hex digits of a Guid v7, here counting up from one prefix.
        var hashes = new HashSet<ulong>();
        for (var i = 0; i < 1_000_000; i++)
        {
            hashes.Add(ByteHash.Of(Encoding.UTF8.GetBytes($"0192f0c4a1b20007{i:x16}"), ByteHash.ProcessSeed));
        }
        Assert.That(hashes, Has.Count.EqualTo(1_000_000));
    }

    [Test]
    public void The_seed_changes_the_hash()
    {
        var id = "0192f0c4a1b200070000000000000001"u8.ToArray();
        Assert.That(ByteHash.Of(id, 1), Is.Not.EqualTo(ByteHash.Of(id, 2)));
    }
}
