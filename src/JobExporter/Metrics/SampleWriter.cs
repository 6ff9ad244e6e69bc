using System.Globalization;
using System.Text;

namespace JobExporter.Metrics;

/// <summary>
/// Writes a <see cref="CompactCounter"/>'s sample lines into a buffer, as prometheus-net's text serializer writes them:
/// <c>name{label="value",…,static} value\n</c>, label values escaped (<c>\\</c>, <c>\n</c>, <c>\"</c>), the value
/// formatted with "g" in the invariant culture.
/// </summary>
internal struct SampleWriter(byte[] buffer)
{
    /// <summary>The buffer a page is written through: far above a line, below the large object heap.</summary>
    public const int BufferSize = 64 * 1024;

    private readonly byte[] _buffer = buffer;
    private int _used;

    public readonly ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _used);

    public void Clear() => _used = 0;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.AsSpan(_used));
        _used += bytes.Length;
    }

    /// <summary>Writes the child's line, or nothing and false when it might not fit in what is left of the buffer.</summary>
    public bool TryWrite(CounterLayout layout, CompactCounter.Child child)
    {
        if (MaxLength(layout, child) > _buffer.Length - _used) return false;
        _used += Write(_buffer.AsSpan(_used), layout, child);
        return true;
    }

    /// <summary>A line too long for the buffer (label values of megabytes, which the label guard never lets through), alone.</summary>
    public static byte[] Alone(CounterLayout layout, CompactCounter.Child child)
    {
        var line = new byte[MaxLength(layout, child)];
        return line[..Write(line, layout, child)];
    }

    // Escaping at most doubles a character's bytes, and a UTF-16 char is at most 3 UTF-8 bytes: 6 a char bounds it.
    private static int MaxLength(CounterLayout layout, CompactCounter.Child child)
    {
        var length = layout.Name.Length + layout.StaticLabels.Length + 4 + 32;
        var values = child.LabelValues;
        for (var i = 0; i < values.Length; i++) length += layout.LabelPrefixes[i].Length + 1 + 6 * values[i].Length;
        return length;
    }

    private static int Write(Span<byte> to, CounterLayout layout, CompactCounter.Child child)
    {
        var at = 0;
        Put(to, ref at, layout.Name);
        to[at++] = (byte)'{';
        var values = child.LabelValues;
        for (var i = 0; i < values.Length; i++)
        {
            Put(to, ref at, layout.LabelPrefixes[i]);
            at += Escaped(values[i], to[at..]);
            to[at++] = (byte)'"';
        }
        Put(to, ref at, layout.StaticLabels);
        to[at++] = (byte)'}';
        to[at++] = (byte)' ';
        if (!child.Value.TryFormat(to[at..], out var written, "g", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A double took more than 32 bytes.");
        }
        at += written;
        to[at++] = (byte)'\n';
        return at;
    }

    private static void Put(Span<byte> to, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(to[at..]);
        at += bytes.Length;
    }

    private static int Escaped(string value, Span<byte> to)
    {
        if (value.AsSpan().IndexOfAny('\\', '\n', '"') >= 0)
        {
            value = value.Replace("\\", @"\\").Replace("\n", @"\n").Replace("\"", @"\""");
        }
        return Encoding.UTF8.GetBytes(value, to);
    }
}
