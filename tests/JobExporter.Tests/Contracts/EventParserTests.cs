using System.Text;
using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

public class EventParserTests
{
    private const string Good = """{"v":1,"type":"job-succeeded","id":"a1","ts":1700000000.5,"system":"hangfire","hostname":"w1","name":"InvoiceJob.Send","queue":"default","runtime":0.25}""";

    private static RecordingSink Parse(string body, EventParserLimits? limits = null) => Parse(Encoding.UTF8.GetBytes(body), limits);

    private static RecordingSink Parse(byte[] body, EventParserLimits? limits = null)
    {
        var sink = new RecordingSink();
        new EventParser(limits ?? EventParserLimits.Default).Parse(body, sink);
        return sink;
    }

    [Test]
    public void Reads_every_field_of_an_event()
    {
        var sink = Parse("""{"v":1,"type":"job-failed","id":"x","ts":12.5,"system":"masstransit","hostname":"h","name":"N","queue":"q","job_id":"j","runtime":1.5,"wait":2,"exception":"TimeoutException","active":3,"interval":10,"dropped":4,"publish_failures":6}""");
        Assert.That(sink.Invalid, Is.Empty);
        Assert.That(sink.Events.Single(), Is.EqualTo(new JobEvent
        {
            Type = EventType.JobFailed, Id = "x", Ts = 12.5, System = "masstransit", Hostname = "h", Name = "N", Queue = "q", JobId = "j",
            Runtime = 1.5, Wait = 2, Exception = "TimeoutException", Active = 3, Interval = 10, Dropped = 4, PublishFailures = 6,
        }));
    }

    [Test]
    public void An_escaped_field_name_is_read_as_the_field()
    {
        var sink = Parse(Good.Replace("\"id\"", "\"\\u0069d\"").Replace("\"hostname\"", "\"host\\u006eame\""));
        Assert.That(sink.Events.Single().Id, Is.EqualTo("a1"));
        Assert.That(sink.Events.Single().Hostname, Is.EqualTo("w1"));
    }

    [Test]
    public void The_exporters_parser_checks_job_ids_without_keeping_them_and_shares_failure_types()
    {
        var parser = new EventParser { KeepJobIds = false };
        var sink = new RecordingSink();
        const string Failed = """{"v":1,"type":"job-failed","id":"ID","ts":1,"system":"hangfire","hostname":"w1","name":"N","queue":"q","job_id":JOB,"runtime":1,"exception":"System.TimeoutException"}""";
        foreach (var (id, jobId) in new[] { ("a", "\"42\""), ("b", "\"4\\u0032\""), ("c", "42"), ("d", "\"\\ud800\"") })
        {
            parser.Parse(Encoding.UTF8.GetBytes(Failed.Replace("ID", id).Replace("JOB", jobId)), sink);
        }
        Assert.Multiple(() =>
        {
            Assert.That(sink.Events.Select(e => e.Id), Is.EqualTo(new[] { "a", "b" }), "a plain and an escaped string pass");
            Assert.That(sink.Events.Select(e => e.JobId), Is.All.Null);
            Assert.That(sink.Invalid, Is.EqualTo(new[] { InvalidReasons.WrongType, InvalidReasons.WrongType }), "a number and a lone surrogate do not");
            Assert.That(sink.Events[1].Exception, Is.SameAs(sink.Events[0].Exception).And.EqualTo("System.TimeoutException"));
        });
    }

    [Test]
    public void Label_values_repeated_across_events_are_one_string_and_escaped_ones_read_the_same()
    {
        var first = Parse(Good).Events.Single();
        var second = Parse(Good.Replace("\"a1\"", "\"a2\"")).Events.Single();
        // One string per distinct value: a known label value costs the collector nothing.
        Assert.That(second.Hostname, Is.SameAs(first.Hostname));
        Assert.That(second.Name, Is.SameAs(first.Name));
        Assert.That(second.Queue, Is.SameAs(first.Queue));
        Assert.That(second.System, Is.SameAs(first.System));

        var escaped = Parse(Good.Replace("\"w1\"", "\"w\\u0031\"").Replace("InvoiceJob.Send", "Invoice\\u00e9")).Events.Single();
        Assert.That((escaped.Hostname, escaped.Name), Is.EqualTo(("w1", "Invoice\u00e9")));
        var unicode = Parse("{\"v\":1,\"type\":\"job-sent\",\"id\":\"u\",\"ts\":1,\"system\":\"hangfire\",\"hostname\":\"h\u00f4te\",\"name\":\"T\u00e2che\",\"queue\":\"q\"}").Events.Single();
        Assert.That((unicode.Hostname, unicode.Name), Is.EqualTo(("h\u00f4te", "T\u00e2che")), "multi-byte UTF-8 values read as they were sent");
        var longName = new string('n', 300);
        Assert.That(Parse(Good.Replace("InvoiceJob.Send", longName)).Events.Single().Name, Is.EqualTo(longName), "a value longer than the cache keeps is read whole");
    }

    [Test]
    public void Round_trips_what_the_writer_writes()
    {
        var e = new EventFactory("hangfire", "w.1").Job(EventType.JobStarted, "A.B", "critical", "42") with { Wait = 0.5 };
        Assert.That(Parse(EventJson.Serialize(e)).Events.Single(), Is.EqualTo(e));
        Assert.That(Parse(EventJson.SerializeBatch([e, e with { Id = "other" }])).Events, Has.Count.EqualTo(2));
    }

    [Test]
    public void Round_trips_the_publishers_message_bodies_written_into_pooled_buffers()
    {
        var factory = new EventFactory("hangfire", "w1");
        var events = Enumerable.Range(0, 600).Select(i => factory.Job(EventType.JobSucceeded, "A.B", "default", $"{i}", runtime: i / 1000.0)).ToList();
        // Starts small, so that the buffer grows many times while the batch is written.
        using (var batch = new PooledBufferWriter(16))
        {
            EventJson.WriteMessage(batch, events, 100, 500);
            Assert.That(Parse(batch.WrittenMemory.ToArray()).Events, Is.EqualTo(events.Skip(100).Take(500)));
        }
        using var single = new PooledBufferWriter(16);
        EventJson.WriteMessage(single, events, 7, 1);
        Assert.That(Encoding.UTF8.GetString(single.WrittenMemory.Span), Does.StartWith("{"), "one event is an object, not an array of one");
        Assert.That(Parse(single.WrittenMemory.ToArray()).Events.Single(), Is.EqualTo(events[7]));
    }

    [TestCase(1700000000.5, "\"ts\":1700000000.5,")]
    [TestCase(1700000000.123, "\"ts\":1700000000.123,")]
    [TestCase(1700000000.0, "\"ts\":1700000000,")]
    [TestCase(0.001, "\"ts\":0.001,")]
    [TestCase(1700000000.1234, "\"ts\":1700000000.1234,")]
    public void Writes_timestamps_exactly_and_reads_them_back(double ts, string written)
    {
        var e = new EventFactory("hangfire", "w1").Job(EventType.JobSent, "A.B", "default") with { Ts = ts };
        var body = EventJson.Serialize(e);
        Assert.That(Encoding.UTF8.GetString(body), Does.Contain(written));
        Assert.That(Parse(body).Events.Single().Ts, Is.EqualTo(ts));
    }

    [Test]
    public void Ignores_unknown_fields_of_any_shape()
    {
        var sink = Parse(Good.Replace("\"v\":1,", "\"v\":1,\"future\":{\"a\":[1,2,{\"b\":null}]},\"flag\":true,"));
        Assert.That(sink.Events, Has.Count.EqualTo(1));
        Assert.That(sink.Invalid, Is.Empty);
    }

    [TestCase("""{"v":2,"type":"job-sent","id":"a","ts":1,"system":"s","hostname":"h","name":"n","queue":"q"}""", InvalidReasons.UnknownVersion)]
    [TestCase("""{"v":1,"type":"job-exploded","id":"a","ts":1,"system":"s","hostname":"h","name":"n","queue":"q"}""", InvalidReasons.UnknownType)]
    [TestCase("""{"v":1,"type":"job-sent","id":"a","ts":1,"system":"s","hostname":"h","queue":"q"}""", InvalidReasons.MissingField)]
    [TestCase("""{"v":1,"type":"job-succeeded","id":"a","ts":1,"system":"s","hostname":"h","name":"n","queue":"q"}""", InvalidReasons.MissingField)]
    [TestCase("""{"v":1,"type":"worker-heartbeat","id":"a","ts":1,"system":"s","hostname":"h"}""", InvalidReasons.MissingField)]
    [TestCase("""{"type":"job-sent","id":"a","ts":1,"system":"s","hostname":"h","name":"n","queue":"q"}""", InvalidReasons.MissingField)]
    [TestCase("""{"v":1,"type":"job-sent","id":"a","ts":"yesterday","system":"s","hostname":"h","name":"n","queue":"q"}""", InvalidReasons.WrongType)]
    [TestCase("""{"v":1,"type":"job-sent","id":7,"ts":1,"system":"s","hostname":"h","name":"n","queue":"q"}""", InvalidReasons.WrongType)]
    [TestCase("""{"v":1,"type":"job-sent","id":"a","ts":1,"system":"s","hostname":"h","name":{"x":1},"queue":"q"}""", InvalidReasons.WrongType)]
    [TestCase("""{"v":1.5,"type":"job-sent","id":"a","ts":1,"system":"s","hostname":"h","name":"n","queue":"q"}""", InvalidReasons.WrongType)]
    [TestCase("""{"v":1,"type":"job-succeeded","id":"a","ts":1,"system":"s","hostname":"h","name":"n","queue":"q","runtime":-1}""", InvalidReasons.InvalidValue)]
    [TestCase("""{"v":1,"type":"worker-heartbeat","id":"a","ts":1,"system":"s","hostname":"h","active":-3}""", InvalidReasons.InvalidValue)]
    [TestCase("not json at all", InvalidReasons.NotJson)]
    [TestCase("""{"v":1,"type":""", InvalidReasons.NotJson)]
    [TestCase("42", InvalidReasons.NotAnObject)]
    [TestCase("", InvalidReasons.NotJson)]
    public void Rejects_a_bad_event_with_its_reason(string body, string reason)
    {
        var sink = Parse(body);
        Assert.That(sink.Events, Is.Empty);
        Assert.That(sink.Invalid, Is.EqualTo(new[] { reason }));
    }

    [Test]
    public void Trailing_content_after_the_message_is_rejected_after_the_event_before_it()
    {
        var sink = Parse(Good + " {\"v\":1}");
        Assert.That(sink.Events, Has.Count.EqualTo(1));
        Assert.That(sink.Invalid, Is.EqualTo(new[] { InvalidReasons.NotJson }));
    }

    [Test]
    public void Rejects_invalid_utf8_without_reading_it()
    {
        var body = Encoding.UTF8.GetBytes(Good);
        body[Good.IndexOf("InvoiceJob", StringComparison.Ordinal)] = 0xC3; // a lead byte without its continuation
        body[Good.IndexOf("InvoiceJob", StringComparison.Ordinal) + 1] = 0x28;
        Assert.That(Parse(body).Invalid, Is.EqualTo(new[] { InvalidReasons.InvalidUtf8 }));
    }

    [Test]
    public void Rejects_a_body_over_the_size_limit_as_too_large()
    {
        var body = new byte[1024 * 1024];
        Array.Fill(body, (byte)' ');
        Assert.That(Parse(body).Invalid, Is.EqualTo(new[] { InvalidReasons.TooLarge }));
    }

    [Test]
    public void Rejects_deep_nesting_as_too_deep()
    {
        var body = string.Concat(Enumerable.Repeat("{\"x\":", 5000)) + "1" + new string('}', 5000);
        Assert.That(Parse(body).Invalid, Is.EqualTo(new[] { InvalidReasons.TooDeep }));
    }

    [Test]
    public void A_bad_event_in_a_batch_rejects_only_that_event()
    {
        var sink = Parse($"[{Good},{{\"v\":1,\"type\":\"nope\"}},7,{Good.Replace("a1", "a2")}]");
        Assert.That(sink.Events.Select(e => e.Id), Is.EqualTo(new[] { "a1", "a2" }));
        Assert.That(sink.Invalid, Is.EqualTo(new[] { InvalidReasons.UnknownType, InvalidReasons.NotAnObject }));
    }

    [Test]
    public void A_batch_over_the_event_limit_keeps_the_first_events_and_rejects_the_rest_once()
    {
        var body = "[" + string.Join(",", Enumerable.Range(0, 5).Select(i => Good.Replace("a1", $"id{i}"))) + "]";
        var sink = Parse(body, new EventParserLimits { MaxBatchEvents = 3 });
        Assert.That(sink.Events, Has.Count.EqualTo(3));
        Assert.That(sink.Invalid, Is.EqualTo(new[] { InvalidReasons.BatchTooLarge }));
    }

    [Test]
    public void Reads_an_escaped_type_name()
    {
        var sink = Parse(Good.Replace("\"job-succeeded\"", "\"job\\u002Dsucceeded\""));
        Assert.That(sink.Events.Single().Type, Is.EqualTo(EventType.JobSucceeded));
    }
}
