using System.Globalization;
using System.Text;

namespace JobExporter.Redis;

/// <summary>
/// Reads RESP2 replies (simple strings, errors, integers, bulk strings, arrays) from a stream, blocking until a whole reply
/// has arrived however the bytes are split over reads. A bulk string longer than <c>maxBulkBytes</c> is read past without
/// being kept (<see cref="RespKind.TooLarge"/>), so that one huge message costs no memory and does not end the connection.
/// Input that is not RESP2 throws <see cref="RespProtocolException"/> with what was wrong; the end of the stream throws
/// <see cref="EndOfStreamException"/>. Not thread-safe: one reader thread owns it.
/// </summary>
internal sealed class RespReader(Stream stream, int maxBulkBytes)
{
    /// <summary>Longest header line (<c>$123</c>, <c>+OK</c>, an error's text): Redis's are far shorter.</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>Nesting and size bounds of arrays: pub/sub replies are flat arrays of 3 or 4 items.</summary>
    private const int MaxDepth = 8;
    private const int MaxArrayItems = 1024 * 1024;

    private readonly byte[] _buffer = new byte[MaxLineBytes + 2];
    private int _start;
    private int _end;

    /// <summary>Bytes read from the stream so far.</summary>
    public long BytesRead { get; private set; }

    public RespValue Read() => Read(0);

    private RespValue Read(int depth)
    {
        var line = ReadLine();
        if (line.Length == 0) throw new RespProtocolException("an empty line where a RESP type byte was expected");
        var type = (char)line[0];
        var rest = line[1..];
        switch (type)
        {
            case '+':
                return new RespValue(RespKind.SimpleString, Text: Encoding.UTF8.GetString(rest));
            case '-':
                return new RespValue(RespKind.Error, Text: Encoding.UTF8.GetString(rest));
            case ':':
                return new RespValue(RespKind.Integer, Integer: Number(rest, "integer"));
            case '$':
            {
                var length = Number(rest, "bulk string length");
                if (length == -1) return RespValue.NullValue;
                if (length < 0) throw new RespProtocolException($"a negative bulk string length ({length})");
                if (length > maxBulkBytes)
                {
                    Skip(length);
                    ExpectCrLf();
                    return new RespValue(RespKind.TooLarge, Integer: length);
                }
                var bytes = new byte[length];
                ReadExactly(bytes);
                ExpectCrLf();
                return new RespValue(RespKind.BulkString, Bytes: bytes);
            }
            case '*':
            {
                var count = Number(rest, "array length");
                if (count == -1) return RespValue.NullValue;
                if (count < 0 || count > MaxArrayItems) throw new RespProtocolException($"an array length out of bounds ({count})");
                if (depth >= MaxDepth) throw new RespProtocolException($"arrays nested deeper than {MaxDepth}");
                var items = new RespValue[count];
                for (var i = 0; i < count; i++) items[i] = Read(depth + 1);
                return new RespValue(RespKind.Array, Items: items);
            }
            default:
                throw new RespProtocolException($"an unknown RESP type byte 0x{line[0]:x2} ('{Printable(line[0])}')");
        }
    }

    private static long Number(ReadOnlySpan<byte> text, string what)
    {
        if (text.Length is 0 or > 20 || !long.TryParse(Encoding.ASCII.GetString(text), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new RespProtocolException($"a {what} that is not a number ('{Encoding.ASCII.GetString(text[..Math.Min(text.Length, 32)])}')");
        }
        return value;
    }

    /// <summary>The next line without its CRLF; valid until the next read.</summary>
    private ReadOnlySpan<byte> ReadLine()
    {
        var searched = 0;
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            var lf = available[searched..].IndexOf((byte)'\n');
            if (lf >= 0)
            {
                lf += searched;
                if (lf == 0 || available[lf - 1] != '\r') throw new RespProtocolException("a line ending in LF without CR");
                _start += lf + 1;
                return available[..(lf - 1)];
            }
            searched = available.Length;
            if (available.Length >= MaxLineBytes) throw new RespProtocolException($"a line longer than {MaxLineBytes} bytes");
            Fill();
        }
    }

    /// <summary>Reads more bytes after those kept, moving them to the front first when the buffer's end is reached.</summary>
    private void Fill()
    {
        if (_start > 0 && _end == _buffer.Length || _start == _end)
        {
            var kept = _end - _start;
            Array.Copy(_buffer, _start, _buffer, 0, kept);
            _start = 0;
            _end = kept;
        }
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) throw new EndOfStreamException("the server closed the connection");
        BytesRead += read;
        _end += read;
    }

    private void ReadExactly(Span<byte> target)
    {
        var fromBuffer = Math.Min(target.Length, _end - _start);
        _buffer.AsSpan(_start, fromBuffer).CopyTo(target);
        _start += fromBuffer;
        var filled = fromBuffer;
        while (filled < target.Length)
        {
            var read = stream.Read(target[filled..]);
            if (read == 0) throw new EndOfStreamException("the server closed the connection inside a bulk string");
            BytesRead += read;
            filled += read;
        }
    }

    private void Skip(long count)
    {
        while (count > 0)
        {
            if (_start == _end) Fill();
            var step = (int)Math.Min(count, _end - _start);
            _start += step;
            count -= step;
        }
    }

    private void ExpectCrLf()
    {
        while (_end - _start < 2) Fill();
        if (_buffer[_start] != '\r' || _buffer[_start + 1] != '\n') throw new RespProtocolException("a bulk string not followed by CRLF");
        _start += 2;
    }

    private static char Printable(byte b) => b is >= 0x20 and < 0x7f ? (char)b : '?';
}
