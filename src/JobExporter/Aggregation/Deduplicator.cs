using System.Numerics;
using System.Runtime.InteropServices;

namespace JobExporter.Aggregation;

/// <summary>
/// Remembers the last N event ids so that an event delivered twice (a publisher retrying an unconfirmed
/// batch, a redelivery after a reconnect) is applied once. Bounded: the oldest id is forgotten first.
/// Ids are kept as 64-bit hashes, not strings, so that the window costs 24 to 40 bytes an id and nothing for the garbage
/// collector to trace (8 for the order, and 8 for each slot of a table of the next power of two at or above twice the
/// window: 29 bytes at the default 100,000); two different ids in one window of 100,000 collide with a chance of about
/// 1 in 10^9.
/// Not thread-safe: callers hold the applier's lock.
/// <para>
/// The hashes sit in one open-addressed table at most half full, searched slot after slot from a hash's home: a new id
/// and the forgotten one cost a cache miss each. A chained set cost about three apiece, and in a profile of batched ingest
/// it was a tenth of the exporter's CPU. <see cref="Preload"/> lets the applier wait for a message's misses together.
/// </para>
/// </summary>
internal sealed class Deduplicator
{
    // 0 marks a free slot, so a hash of 0 is kept as 1 (those two values then count as one id).
    private const ulong Empty = 0;
    private readonly ulong[] _slots;
    private readonly int _shift;
    private readonly ulong[] _order;
    private int _next;
    private ulong _preloadSink;
    // Read once: NativeAOT checks a static's initialiser on each read of it.
    private readonly ulong _seed = ByteHash.ProcessSeed;

    public int Count { get; private set; }

    public Deduplicator(int capacity)
    {
        _order = new ulong[capacity];
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 1) * 2);
        _slots = new ulong[size];
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    /// <summary>What the window keeps of an id (nothing, with a window of 0). Changes no state, so it needs no lock.</summary>
    public ulong HashOf(string id) => _order.Length == 0 ? Empty : ByteHash.Of(MemoryMarshal.AsBytes(id.AsSpan()), _seed);

    /// <summary>True when the id of this <see cref="HashOf"/> was seen within the window; otherwise remembers it and returns false.</summary>
    public bool IsDuplicate(ulong hash)
    {
        if (_order.Length == 0) return false;
        if (hash == Empty) hash = 1;
        var slot = Find(hash);
        if (_slots[slot] == hash) return true;
        if (Count == _order.Length)
        {
            Forget(_order[_next]);
            // Forgetting moves entries back: the free slot for this hash may now be earlier.
            slot = Find(hash);
        }
        else
        {
            Count++;
        }
        _slots[slot] = hash;
        _order[_next] = hash;
        _next = (_next + 1) % _order.Length;
        return false;
    }

    /// <summary>
    /// Reads the home slots of these hashes, which the next <see cref="IsDuplicate(ulong)"/> of each starts from, and
    /// those of the ids they will push out of a full window. The reads do not depend on one another, so the processor
    /// waits for their cache misses together; asked one event at a time, each waited alone. Changes no answer.
    /// </summary>
    public void Preload(ReadOnlySpan<ulong> hashes)
    {
        if (_order.Length == 0) return;
        ulong read = 0;
        foreach (var hash in hashes) read |= _slots[Home(hash == Empty ? 1 : hash)];
        if (Count == _order.Length)
        {
            var oldest = _next;
            for (var i = 0; i < hashes.Length; i++)
            {
                read |= _slots[Home(_order[oldest])];
                oldest = oldest + 1 == _order.Length ? 0 : oldest + 1;
            }
        }
        // Kept, so that the compiler cannot drop reads whose values are not used.
        _preloadSink = read;
    }

    // Where the hash is, or the free slot that ends its run.
    private int Find(ulong hash)
    {
        var mask = _slots.Length - 1;
        var slot = Home(hash);
        while (_slots[slot] != hash && _slots[slot] != Empty) slot = (slot + 1) & mask;
        return slot;
    }

    // Fibonacci hashing: the top bits of the product, so that ids whose hashes differ only in high bits spread too.
    private int Home(ulong hash) => (int)((hash * 0x9E3779B97F4A7C15UL) >> _shift);

    // Removes a hash and moves back each later entry of its run that may sit where the hole is, so that every entry stays
    // reachable from its home without a tombstone.
    private void Forget(ulong hash)
    {
        var mask = _slots.Length - 1;
        var hole = Find(hash);
        var next = hole;
        while (true)
        {
            next = (next + 1) & mask;
            var moved = _slots[next];
            if (moved == Empty) break;
            // The entry may fill the hole only if its home is not cyclically within (hole, next].
            var home = Home(moved);
            var homeAfterHole = hole <= next ? home > hole && home <= next : home > hole || home <= next;
            if (homeAfterHole) continue;
            _slots[hole] = moved;
            hole = next;
        }
        _slots[hole] = Empty;
    }
}
