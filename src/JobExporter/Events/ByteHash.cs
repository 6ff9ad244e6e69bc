using System.Buffers.Binary;
using System.Numerics;

namespace JobExporter.Events;

/// <summary>
/// A 64-bit hash of a short byte string (a label value, an event id) that reads eight bytes a step and ends with a full
/// avalanche, so that every bit of the input moves every bit of the result. The FNV-1a it replaced in the
/// de-duplication window took a multiply a character, a fiftieth of the exporter's CPU on batched ingest.
/// <para>
/// Not resistant to chosen collisions: someone who can pick ids can make two that hash alike whatever the seed, as they
/// could with FNV-1a, and then the second is taken for a duplicate. The seed varies the hash between processes; it is no key.
/// </para>
/// </summary>
internal static class ByteHash
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;

    /// <summary>A seed drawn once per process.</summary>
    public static readonly ulong ProcessSeed = (ulong)Random.Shared.NextInt64() | 1;

    public static ulong Of(ReadOnlySpan<byte> bytes, ulong seed)
    {
        var hash = seed ^ (ulong)bytes.Length * Prime1;
        while (bytes.Length >= sizeof(ulong))
        {
            hash = Step(hash, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[sizeof(ulong)..];
        }
        if (!bytes.IsEmpty)
        {
            ulong tail = 0;
            for (var i = 0; i < bytes.Length; i++) tail |= (ulong)bytes[i] << (8 * i);
            hash = Step(hash, tail);
        }
        return Avalanche(hash);
    }

    private static ulong Step(ulong hash, ulong word) => BitOperations.RotateLeft(hash ^ word * Prime2, 31) * Prime1;

    // Murmur3's 64-bit finaliser.
    private static ulong Avalanche(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53UL;
        hash ^= hash >> 33;
        return hash;
    }
}
