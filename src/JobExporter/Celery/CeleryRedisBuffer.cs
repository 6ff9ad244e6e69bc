using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;

namespace JobExporter.Celery;

/// <summary>
/// The bounded buffer between the Redis subscriber's reader thread and the thread that applies the messages. The reader
/// copies each message into a pooled chunk (many messages a chunk, each after its length) and hands the chunk over when it
/// is full or before the reader waits on the socket (<see cref="HandOver"/>), so that a message costs no object of its own
/// and a hand-over is one per batch, not one per message: what kept the applier from keeping up was a byte[] a message,
/// kept alive while buffered (a garbage collector's work), and a wake-up a message. Messages past the capacity (in bytes of
/// messages waiting) are refused. One writer thread at a time (<see cref="TryAdd"/>, <see cref="HandOver"/>), one reader.
/// </summary>
internal sealed class CeleryRedisBuffer(long capacityBytes)
{
    /// <summary>A chunk's size: hundreds of Celery's messages, and under a large message it is that message's size.</summary>
    public const int ChunkBytes = 256 * 1024;

    // Chunks come back to be written again; a few are kept, the rest of a burst's are let go.
    private static readonly ArrayPool<byte> Chunks = ArrayPool<byte>.Create(ChunkBytes, 16);

    private readonly Channel<Chunk> _full = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private byte[]? _open;
    private int _openLength;
    private long _openBytes;
    private long _buffered;

    /// <summary>Bytes of messages added and not yet applied.</summary>
    public long BufferedBytes => Interlocked.Read(ref _buffered);

    /// <summary>Copies a message in; false, keeping nothing, when it would pass the capacity.</summary>
    public bool TryAdd(ReadOnlySpan<byte> message)
    {
        if (Interlocked.Add(ref _buffered, message.Length) > capacityBytes)
        {
            Interlocked.Add(ref _buffered, -message.Length);
            return false;
        }
        var needed = sizeof(int) + message.Length;
        if (_open is not null && _open.Length - _openLength < needed) HandOver();
        _open ??= needed <= ChunkBytes ? Chunks.Rent(ChunkBytes) : new byte[needed];
        BinaryPrimitives.WriteInt32LittleEndian(_open.AsSpan(_openLength), message.Length);
        message.CopyTo(_open.AsSpan(_openLength + sizeof(int)));
        _openLength += needed;
        _openBytes += message.Length;
        return true;
    }

    /// <summary>Hands the messages added so far over to the applier (the writer's thread: before it may wait, and at its end).</summary>
    public void HandOver()
    {
        if (_open is null) return;
        _full.Writer.TryWrite(new Chunk(_open, _openLength, _openBytes));
        _open = null;
        _openLength = 0;
        _openBytes = 0;
    }

    /// <summary>No more messages come (stopping): <see cref="ReadAllAsync"/> ends once what was handed over is read.</summary>
    public void Complete() => _full.Writer.TryComplete();

    /// <summary>
    /// Calls <paramref name="apply"/> with each message handed over, in order, until <see cref="Complete"/>; a message's
    /// bytes are valid during the call only.
    /// </summary>
    public async Task ReadAllAsync(MessageAction apply)
    {
        await foreach (var chunk in _full.Reader.ReadAllAsync())
        {
            try
            {
                var at = 0;
                while (at < chunk.Length)
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(chunk.Bytes.AsSpan(at));
                    apply(chunk.Bytes.AsSpan(at + sizeof(int), length));
                    at += sizeof(int) + length;
                }
            }
            finally
            {
                Interlocked.Add(ref _buffered, -chunk.MessageBytes);
                if (chunk.Bytes.Length == ChunkBytes) Chunks.Return(chunk.Bytes);
            }
        }
    }

    public delegate void MessageAction(ReadOnlySpan<byte> message);

    private readonly record struct Chunk(byte[] Bytes, int Length, long MessageBytes);
}
