namespace JobExporter.Web;

/// <summary>
/// A write-only stream into a list of 64 KiB chunks (reusing the ones it is given): a page of any size without one
/// large array, which would sit on the large object heap and be copied each time it doubled.
/// </summary>
internal sealed class ChunkedStream(List<byte[]> chunks) : Stream
{
    /// <summary>Below the 85,000 bytes from which arrays go to the large object heap.</summary>
    public const int ChunkSize = 64 * 1024;

    private long _length;

    public List<byte[]> Chunks => chunks;

    public override long Length => _length;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var index = (int)(_length / ChunkSize);
            var offset = (int)(_length % ChunkSize);
            if (index == chunks.Count) chunks.Add(new byte[ChunkSize]);
            var part = Math.Min(buffer.Length, ChunkSize - offset);
            buffer[..part].CopyTo(chunks[index].AsSpan(offset));
            buffer = buffer[part..];
            _length += part;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
