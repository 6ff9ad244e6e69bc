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
    public void A_million_ids_that_differ_in_every_block_have_a_million_hashes()
    {
        // Hashed as the de-duplication window hashes them, UTF-16; random hex digits, so every 8-byte block varies.
        var random = new Random(27);
        var digits = new char[32];
        var hashes = new HashSet<ulong>();
        for (var i = 0; i < 1_000_000; i++)
        {
            for (var d = 0; d < digits.Length; d++) digits[d] = "0123456789abcdef"[random.Next(16)];
            hashes.Add(ByteHash.Of(System.Runtime.InteropServices.MemoryMarshal.AsBytes(digits.AsSpan()), ByteHash.ProcessSeed));
        }
        Assert.That(hashes, Has.Count.EqualTo(1_000_000));
    }

    [Test]
    public void Blocks_in_another_order_hash_differently()
    {
        Assert.That(ByteHash.Of("aaaaaaaabbbbbbbb"u8, ByteHash.ProcessSeed), Is.Not.EqualTo(ByteHash.Of("bbbbbbbbaaaaaaaa"u8, ByteHash.ProcessSeed)));
    }

    [Test]
    public void Flipping_any_one_input_bit_changes_both_halves_of_the_hash()
    {
        // The cache and the window pick slots from the high bits, and both halves must depend on every input bit. A fixed
        // seed: with a random one, 4 or fewer of 32 bits would change by chance once in some thousands of runs.
        const ulong Seed = 20261207;
        var value = "0192f0c4a1b20007"u8.ToArray();
        var hash = ByteHash.Of(value, Seed);
        for (var bit = 0; bit < value.Length * 8; bit++)
        {
            var flipped = (byte[])value.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            var changed = hash ^ ByteHash.Of(flipped, Seed);
            Assert.That(ulong.PopCount(changed & 0xFFFF_FFFF), Is.GreaterThanOrEqualTo(4), $"low half, bit {bit}");
            Assert.That(ulong.PopCount(changed >> 32), Is.GreaterThanOrEqualTo(4), $"high half, bit {bit}");
        }
    }

    [Test]
    public void The_seed_changes_the_hash()
    {
        var id = "0192f0c4a1b200070000000000000001"u8.ToArray();
        Assert.That(ByteHash.Of(id, 1), Is.Not.EqualTo(ByteHash.Of(id, 2)));
    }
}
