using System.Buffers.Text;
using System.Text;

namespace JobExporter.Redis;

/// <summary>
/// Reads RESP2 replies (simple strings, errors, integers, bulk strings, arrays) from a stream, blocking until a whole reply
/// has arrived however the bytes are split over reads. A bulk string longer than <c>maxBulkBytes</c> is read past without
/// being kept (<see cref="RespKind.TooLarge"/>), so that one huge message costs no memory and does not end the connection.
/// Input that is not RESP2 throws <see cref="RespProtocolException"/> with what was wrong; the end of the stream throws
/// <see cref="EndOfStreamException"/>. <see cref="Read"/> builds a <see cref="RespValue"/> for any reply (the set-up's few);
/// <see cref="ReadPush"/> reads a subscriber's pushes without allocating, the message's payload a span into the reader's own
/// buffer (grown to the largest payload kept). Not thread-safe: one reader thread owns it.
/// </summary>
internal sealed class RespReader(Stream stream, int maxBulkBytes)
{
    /// <summary>Longest header line (<c>$123</c>, <c>+OK</c>, an error's text): Redis's are far shorter.</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>Nesting and size bounds of arrays: pub/sub replies are flat arrays of 3 or 4 items.</summary>
    private const int MaxDepth = 8;
    private const int MaxArrayItems = 1024 * 1024;

    private byte[] _buffer = new byte[MaxLineBytes + 2];
    private int _start;
    private int _end;

    /// <summary>Bytes read from the stream so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>
    /// Called on the reader's thread before each read from the stream, which may block: the moment to hand on what was
    /// read so far (a subscriber hands its messages over in batches, and must not keep one back while the server is quiet).
    /// </summary>
    public Action? BeforeStreamRead { get; set; }

    public RespValue Read() => Read(0);

    /// <summary>
    /// Reads the next reply as a subscriber's push: a <c>pmessage</c> (its payload in <see cref="Push.Data"/>, valid until
    /// the next read), a <c>pong</c>, an error, or something else (read whole and passed over). Allocates nothing for a
    /// <c>pmessage</c> or a <c>pong</c>.
    /// </summary>
    public Push ReadPush()
    {
        var line = ReadLine();
        if (line.Length == 0) throw new RespProtocolException("an empty line where a RESP type byte was expected");
        if (line[0] == '-') return new Push(PushKind.Error, Text: Encoding.UTF8.GetString(line[1..]));
        if (line[0] != '*')
        {
            ReadAfter(line, 0);
            return new Push(PushKind.Other);
        }
        var count = Number(line[1..], "array length");
        if (count <= 0)
        {
            if (count < -1) throw new RespProtocolException($"an array length out of bounds ({count})");
            return new Push(PushKind.Other);
        }
        if (count > MaxArrayItems) throw new RespProtocolException($"an array length out of bounds ({count})");
        var kind = ReadPushKind();
        if (kind == PushKind.Message && count == 4)
        {
            SkipValue();
            SkipValue();
            return ReadPayload();
        }
        for (var i = 1; i < count; i++) SkipValue();
        return new Push(kind == PushKind.Message ? PushKind.Other : kind);
    }

    /// <summary>The first item of a push array: <c>pmessage</c> and <c>pong</c> are told apart, anything else is Other.</summary>
    private PushKind ReadPushKind()
    {
        var line = ReadLine();
        if (line.Length == 0 || line[0] != '$')
        {
            ReadAfter(line, 1);
            return PushKind.Other;
        }
        var length = Number(line[1..], "bulk string length");
        if (length is < 0 or > 16)
        {
            SkipBulk(length);
            return PushKind.Other;
        }
        var name = TakeBuffered((int)length);
        return name.SequenceEqual("pmessage"u8) ? PushKind.Message : name.SequenceEqual("pong"u8) ? PushKind.Pong : PushKind.Other;
    }

    /// <summary>A message's payload: kept in the buffer when within the limit, else skipped and only its length told.</summary>
    private Push ReadPayload()
    {
        var line = ReadLine();
        if (line.Length == 0 || line[0] != '$')
        {
            ReadAfter(line, 1);
            return new Push(PushKind.Message, NotBulk: true);
        }
        var length = Number(line[1..], "bulk string length");
        if (length == -1) return new Push(PushKind.Message, NotBulk: true);
        if (length < 0) throw new RespProtocolException($"a negative bulk string length ({length})");
        if (length > maxBulkBytes)
        {
            Skip(length);
            ExpectCrLf();
            return new Push(PushKind.Message, Length: length, TooLarge: true);
        }
        return new Push(PushKind.Message, TakeBuffered((int)length), length);
    }

    /// <summary>Passes over one value of any kind; a bulk string without keeping it.</summary>
    private void SkipValue()
    {
        var line = ReadLine();
        if (line.Length > 0 && line[0] == '$') SkipBulk(Number(line[1..], "bulk string length"));
        else ReadAfter(line, 1);
    }

    private void SkipBulk(long length)
    {
        if (length == -1) return;
        if (length < 0) throw new RespProtocolException($"a negative bulk string length ({length})");
        Skip(length);
        ExpectCrLf();
    }

    /// <summary>The next <paramref name="length"/> bytes and their CRLF, in the buffer (grown when too small); valid until the next read.</summary>
    private ReadOnlySpan<byte> TakeBuffered(int length)
    {
        var needed = length + 2;
        while (_end - _start < needed)
        {
            if (_buffer.Length - _start < needed)
            {
                // Too little room after the start: move what is kept to the front, into a larger buffer when needed.
                var kept = _end - _start;
                var target = _buffer.Length >= needed ? _buffer : new byte[Math.Max(needed, (int)Math.Min(_buffer.Length * 2L, maxBulkBytes + 2L))];
                Array.Copy(_buffer, _start, target, 0, kept);
                _buffer = target;
                _start = 0;
                _end = kept;
            }
            ReadIntoBuffer();
        }
        var bytes = _buffer.AsSpan(_start, length);
        if (_buffer[_start + length] != '\r' || _buffer[_start + length + 1] != '\n') throw new RespProtocolException("a bulk string not followed by CRLF");
        _start += needed;
        return bytes;
    }

    private RespValue Read(int depth) => ReadAfter(ReadLine(), depth);

    /// <summary>The reply whose first line is <paramref name="line"/> (read, and not used after any further read).</summary>
    private RespValue ReadAfter(ReadOnlySpan<byte> line, int depth)
    {
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
        if (text.Length is 0 or > 20 || !Utf8Parser.TryParse(text, out long value, out var consumed) || consumed != text.Length)
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
        ReadIntoBuffer();
    }

    private void ReadIntoBuffer()
    {
        BeforeStreamRead?.Invoke();
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
            BeforeStreamRead?.Invoke();
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
