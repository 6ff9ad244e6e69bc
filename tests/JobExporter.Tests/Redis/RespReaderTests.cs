using System.Text;
using JobExporter.Redis;

namespace JobExporter.Tests.Redis;

public class RespReaderTests
{
    /// <summary>A stream that hands out at most <c>chunk</c> bytes a read, as a socket may.</summary>
    private sealed class TricklingStream(byte[] data, int chunk) : Stream
    {
        private int _position;
        public int Reads { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static RespReader Reader(string text, int chunk = 1 << 20, int maxBulk = 1 << 20) => new(new TricklingStream(Encoding.UTF8.GetBytes(text), chunk), maxBulk);

    private static string PMessage(string data) =>
        $"*4\r\n$8\r\npmessage\r\n$13\r\n/0.celeryev/*\r\n${Encoding.UTF8.GetByteCount("/0.celeryev/task.sent")}\r\n/0.celeryev/task.sent\r\n${Encoding.UTF8.GetByteCount(data)}\r\n{data}\r\n";

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(7)]
    [TestCase(4096)]
    public void A_pmessage_reads_whole_however_the_bytes_are_split(int chunk)
    {
        var data = "{\"body\": \"" + new string('x', 100_000) + "\"}";
        var reader = Reader(PMessage(data) + "*2\r\n$4\r\npong\r\n$0\r\n\r\n", chunk);

        var message = reader.Read();
        var pong = reader.Read();

        Assert.That(message.Kind, Is.EqualTo(RespKind.Array));
        Assert.That(message.Items!.Select(i => i.AsText()), Is.EqualTo(new[] { "pmessage", "/0.celeryev/*", "/0.celeryev/task.sent", data }));
        Assert.That(pong.Items!.Select(i => i.AsText()), Is.EqualTo(new[] { "pong", "" }));
    }

    [Test]
    public void A_bulk_string_split_across_reads_keeps_its_crlf_and_binary_content()
    {
        var reader = Reader("$5\r\na\r\nbc\r\n:42\r\n", chunk: 3);
        var bulk = reader.Read();
        Assert.That(bulk.Bytes, Is.EqualTo("a\r\nbc"u8.ToArray()));
        Assert.That(reader.Read().Integer, Is.EqualTo(42));
    }

    [Test]
    public void Simple_strings_errors_integers_and_nulls_read_as_what_they_are()
    {
        var reader = Reader("+OK\r\n-WRONGPASS invalid username-password pair\r\n:-3\r\n$-1\r\n*-1\r\n*3\r\n$10\r\npsubscribe\r\n$1\r\np\r\n:1\r\n");
        Assert.Multiple(() =>
        {
            Assert.That(reader.Read(), Is.EqualTo(new RespValue(RespKind.SimpleString, Text: "OK")));
            Assert.That(reader.Read(), Is.EqualTo(new RespValue(RespKind.Error, Text: "WRONGPASS invalid username-password pair")));
            Assert.That(reader.Read().Integer, Is.EqualTo(-3));
            Assert.That(reader.Read().Kind, Is.EqualTo(RespKind.Null));
            Assert.That(reader.Read().Kind, Is.EqualTo(RespKind.Null));
            Assert.That(reader.Read().ToString(), Is.EqualTo("[\"psubscribe\", \"p\", 1]"));
        });
    }

    [Test]
    public void A_bulk_string_past_the_limit_is_skipped_without_being_kept_and_the_next_reply_reads()
    {
        var reader = Reader(PMessage(new string('y', 5000)) + "+OK\r\n", chunk: 100, maxBulk: 1000);
        var message = reader.Read();
        Assert.That(message.Items![3].Kind, Is.EqualTo(RespKind.TooLarge));
        Assert.That(message.Items[3].Integer, Is.EqualTo(5000));
        Assert.That(reader.Read().Text, Is.EqualTo("OK"));
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(4096)]
    public void Pushes_read_as_a_subscriber_reads_them_however_the_bytes_are_split(int chunk)
    {
        // A payload past the limit and larger than the reader's first buffer is passed over however it is split.
        var large = "{\"body\": \"" + new string('x', RespReader.MaxLineBytes * 3) + "\"}";
        var reader = Reader("*3\r\n$10\r\npsubscribe\r\n$13\r\n/0.celeryev/*\r\n:1\r\n" + PMessage("{}") + PMessage(large) +
            "*2\r\n$4\r\npong\r\n$0\r\n\r\n" + PMessage(new string('y', 5000)) + "+OK\r\n" + PMessage("é") + "-ERR oops\r\n", chunk, maxBulk: 4000);
        var seen = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var push = reader.ReadPush();
            seen.Add(push.Kind switch
            {
                PushKind.Message when push.TooLarge => $"too large {push.Length}",
                PushKind.Message => Encoding.UTF8.GetString(push.Data),
                PushKind.Error => $"error {push.Text}",
                var kind => kind.ToString(),
            });
        }
        Assert.That(seen, Is.EqualTo(new[] { "Other", "{}", $"too large {large.Length}", "Pong", "too large 5000", "Other", "é", "error ERR oops" }));
    }

    [Test]
    public void A_payload_within_the_limit_is_kept_whole_and_one_past_it_is_skipped()
    {
        var kept = new string('k', 100_000);
        var reader = Reader(PMessage(kept) + PMessage(kept + "!") + "*2\r\n$4\r\npong\r\n$0\r\n\r\n", chunk: 1000, maxBulk: 100_000);
        Assert.Multiple(() =>
        {
            Assert.That(Encoding.UTF8.GetString(reader.ReadPush().Data), Is.EqualTo(kept));
            Assert.That(reader.ReadPush().TooLarge, Is.True);
            Assert.That(reader.ReadPush().Kind, Is.EqualTo(PushKind.Pong));
        });
    }

    [Test]
    public void A_message_whose_payload_is_not_a_bulk_string_is_told_apart()
    {
        var reader = Reader("*4\r\n$8\r\npmessage\r\n$1\r\np\r\n$1\r\nc\r\n:5\r\n*4\r\n$8\r\npmessage\r\n$1\r\np\r\n$1\r\nc\r\n$-1\r\n");
        Assert.That(reader.ReadPush().NotBulk, Is.True);
        Assert.That(reader.ReadPush().NotBulk, Is.True);
    }

    [Test]
    public void The_reader_says_before_each_read_from_the_stream()
    {
        var reader = Reader(PMessage("{}") + PMessage("{}"), chunk: 10);
        var before = 0;
        reader.BeforeStreamRead = () => before++;
        reader.ReadPush();
        reader.ReadPush();
        Assert.That(before, Is.GreaterThanOrEqualTo((int)(reader.BytesRead / 10)));
    }

    [TestCase("*4\r\n$8\r\npmessage\r\n$1\r\np\r\n$1\r\nc\r\n$3\r\nabcd\r\n", "not followed by CRLF")]
    [TestCase("*4\r\n$8\r\npmessage\r\n$1\r\np\r\n$x\r\n", "not a number")]
    [TestCase("*-2\r\n", "array length out of bounds")]
    [TestCase("?oops\r\n", "unknown RESP type byte 0x3f")]
    public void Bad_input_in_a_push_is_a_clear_protocol_error(string text, string message)
    {
        var error = Assert.Throws<RespProtocolException>(() => Reader(text, chunk: 2).ReadPush());
        Assert.That(error!.Message, Does.Contain(message));
    }

    [TestCase("?oops\r\n", "unknown RESP type byte 0x3f")]
    [TestCase("$abc\r\n", "bulk string length that is not a number")]
    [TestCase("$-5\r\n", "negative bulk string length")]
    [TestCase("$3\r\nabcd\r\n", "not followed by CRLF")]
    [TestCase("+OK\n", "LF without CR")]
    [TestCase("*99999999\r\n", "array length out of bounds")]
    [TestCase("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "nested deeper")]
    [TestCase("\r\n", "empty line")]
    public void Bad_input_is_a_clear_protocol_error(string text, string message)
    {
        var error = Assert.Throws<RespProtocolException>(() => Reader(text, chunk: 2).Read());
        Assert.That(error!.Message, Does.Contain(message));
    }

    [Test]
    public void A_line_that_never_ends_is_an_error_not_unbounded_memory()
    {
        var error = Assert.Throws<RespProtocolException>(() => Reader("+" + new string('a', RespReader.MaxLineBytes + 10)).Read());
        Assert.That(error!.Message, Does.Contain("longer than"));
    }

    [TestCase("+OK")]
    [TestCase("$10\r\nabc")]
    [TestCase("")]
    public void A_connection_closed_mid_reply_is_the_end_of_the_stream(string text)
    {
        Assert.Throws<EndOfStreamException>(() => Reader(text, chunk: 2).Read());
    }

    [Test]
    public void Commands_are_written_as_arrays_of_bulk_strings()
    {
        Assert.That(Encoding.UTF8.GetString(RespWriter.Command("PSUBSCRIBE", "/0.celeryev/*", "/0.celeryev")),
            Is.EqualTo("*3\r\n$10\r\nPSUBSCRIBE\r\n$13\r\n/0.celeryev/*\r\n$11\r\n/0.celeryev\r\n"));
    }
}
