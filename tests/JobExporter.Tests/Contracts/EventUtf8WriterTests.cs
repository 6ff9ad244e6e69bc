using System.Text;
using System.Text.Json;
using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

/// <summary>
/// The publisher's direct UTF-8 writer must say exactly what the general <see cref="Utf8JsonWriter"/> form says: every
/// event it writes is valid JSON that the exporter's parser reads back as the same event, whatever the strings hold.
/// </summary>
public class EventUtf8WriterTests
{
    private static RecordingSink Parse(ReadOnlySpan<byte> body)
    {
        var sink = new RecordingSink();
        new EventParser().Parse(body, sink);
        var text = Encoding.UTF8.GetString(body.ToArray());
        Assert.That(sink.Invalid, Is.Empty, text);
        return sink;
    }

    private static byte[] General(JobEvent e)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            EventJson.Write(writer, e);
        }
        return stream.ToArray();
    }

    private static byte[] Direct(JobEvent e)
    {
        using var buffer = new PooledBufferWriter(16);
        EventUtf8Writer.ForThisThread().Write(buffer, e);
        return buffer.WrittenMemory.ToArray();
    }

    private static IEnumerable<JobEvent> EveryKindOfEvent()
    {
        var factory = new EventFactory("hangfire", "worker-1");
        yield return factory.Job(EventType.JobSent, "Invoices.Send", "default", "1");
        yield return factory.Job(EventType.JobStarted, "Invoices.Send", "critical", "2", wait: 0.125);
        yield return factory.Job(EventType.JobSucceeded, "Invoices.Send", "default", "3", runtime: 1e-7);
        yield return factory.Job(EventType.JobFailed, "Invoices.Send", "default", "4", runtime: 12345.678901234, exception: "System.TimeoutException");
        yield return factory.Worker(EventType.WorkerHeartbeat, TimeSpan.FromSeconds(10), active: 3, dropped: EventBounds.MaxCount, publishFailures: 0)
            with { BacklogFailures = 7 };
        yield return factory.Worker(EventType.WorkerOnline, TimeSpan.FromMilliseconds(1500));
        yield return factory.Job(EventType.JobSent, "Invoices.Send", "default") with { Ts = 1700000000.1234567, V = 1 };
        yield return factory.Job(EventType.JobSent, "Invoices.Send", "default") with { Ts = 0 };
    }

    [TestCaseSource(nameof(EveryKindOfEvent))]
    public void Writes_each_kind_of_event_as_the_parser_reads_it_back(JobEvent e)
    {
        var direct = Parse(Direct(e)).Events.Single();
        Assert.That(direct, Is.EqualTo(e));
        Assert.That(direct, Is.EqualTo(Parse(General(e)).Events.Single()));
    }

    private static IEnumerable<TestCaseData> InlineJobEvents()
    {
        var factory = new EventFactory("hangfire", "worker-1");
        yield return new TestCaseData(factory.PendingJob(EventType.JobReceived, "Invoices.Send", "default", "1")).SetName("received");
        yield return new TestCaseData(factory.PendingJob(EventType.JobStarted, "Invoices.Send", "critical", "2", wait: 0.125)).SetName("started");
        yield return new TestCaseData(factory.PendingJob(EventType.JobSucceeded, "Invoices.Send", "default", "3", runtime: 1e-7)).SetName("succeeded");
        yield return new TestCaseData(factory.PendingJob(EventType.JobFailed, "Quote \" name", "q\\", "4", runtime: 2.5, exception: "Cut \ud83c"))
            .SetName("failed, with text to escape");
    }

    [TestCaseSource(nameof(InlineJobEvents))]
    public void An_inline_job_event_is_written_as_the_event_it_stands_for(PendingEvent pending)
    {
        using var buffer = new PooledBufferWriter(16);
        EventUtf8Writer.ForThisThread().Write(buffer, pending);
        var read = Parse(buffer.WrittenMemory.Span).Events.Single();
        var e = pending.ToJobEvent();
        Assert.That(read, Is.EqualTo(Parse(General(e)).Events.Single()));
        Assert.That(read.Id, Has.Length.EqualTo(32).And.Match("^[0-9a-f]{32}$"), "an id as EventIds makes them");
    }

    // Numbers kept as numbers, and texts that only look like numbers, which must come out as they went in.
    [TestCase("0", true)]
    [TestCase("7", true)]
    [TestCase("999999999999999999", true, Description = "18 digits, the most kept as a number")]
    [TestCase("1234567890123456789", false, Description = "19 digits")]
    [TestCase("9999999999999999999", false, Description = "more than a long holds")]
    [TestCase("99999999999999999999", false)]
    [TestCase("007", false)]
    [TestCase("-5", false)]
    [TestCase("+5", false)]
    [TestCase(" 12", false)]
    [TestCase("12a", false)]
    [TestCase("", false)]
    [TestCase("3f2504e0-4f89-11d3-9a0c-0305e82c3301", false)]
    [TestCase("１２", false, Description = "full-width digits")]
    public void An_inline_job_event_carries_its_job_id_as_the_storage_gave_it(string jobId, bool keptAsNumber)
    {
        var pending = new EventFactory("hangfire", "worker-1").PendingJob(EventType.JobSucceeded, "Invoices.Send", "default", jobId, runtime: 0.5);
        Assert.That(pending.HasJobNumber, Is.EqualTo(keptAsNumber), "the id kept as a number exactly when that loses nothing");
        Assert.That(pending.JobId, Is.EqualTo(jobId));
        using var buffer = new PooledBufferWriter(16);
        EventUtf8Writer.ForThisThread().Write(buffer, pending);
        Assert.That(Parse(buffer.WrittenMemory.Span).Events.Single().JobId, Is.EqualTo(jobId));
        Assert.That(pending.ToJobEvent().JobId, Is.EqualTo(jobId));
    }

    [Test]
    public void An_inline_job_event_without_a_job_id_has_none_and_a_default_one_has_none_either()
    {
        var pending = new EventFactory("masstransit", "worker-1").PendingJob(EventType.JobSent, "Orders.Submit", "orders");
        using var buffer = new PooledBufferWriter(16);
        EventUtf8Writer.ForThisThread().Write(buffer, pending);
        Assert.That(Parse(buffer.WrittenMemory.Span).Events.Single().JobId, Is.Null);
        Assert.That(pending.JobId, Is.Null);
        Assert.That(default(PendingEvent).JobId, Is.Null);
    }

    [Test]
    public void Inline_job_events_get_ids_of_their_own()
    {
        var factory = new EventFactory("hangfire", "worker-1");
        var ids = Enumerable.Range(0, 1000).Select(i => factory.PendingJob(EventType.JobSent, "A.B", "default", $"{i}").ToJobEvent().Id).ToList();
        Assert.That(ids, Is.Unique);
        Assert.That(ids.Select(id => id[..16]).Distinct().Single(), Is.EqualTo(factory.Job(EventType.JobSent, "A.B", "default").Id[..16]),
            "one prefix for the process, shared with the events made whole");
    }

    [Test]
    public void A_lone_surrogate_is_written_as_the_replacement_character_as_the_general_writer_does()
    {
        // An exception text cut between the two halves of an emoji, say.
        var e = new EventFactory("hangfire", "worker-1").Job(EventType.JobFailed, "Invoices.Send", "default", "1", runtime: 1,
            exception: "Cut \ud83c");
        var direct = Parse(Direct(e)).Events.Single();
        Assert.That(direct.Exception, Is.EqualTo("Cut \ufffd"));
        Assert.That(direct, Is.EqualTo(Parse(General(e)).Events.Single()));
    }

    // Built here rather than in attributes: a test name with control characters is lost by the test adapter.
    private static readonly string[] Texts =
    [
        "plain", "quote \" and backslash \\ and slash /", "control " + (char)1 + " \n \t " + (char)0x7F + " characters",
        "non-ASCII: Zürich, 東京, emoji 🎉", "<html> & 'apostrophes' + `ticks`", "",
    ];

    [Test]
    public void Strings_that_need_escaping_round_trip_in_every_string_field([Range(0, 5)] int which)
    {
        var text = Texts[which];
        var e = new JobEvent
        {
            Type = EventType.JobFailed, Id = "id " + text, Ts = 1700000000.5, System = "sys " + text, Hostname = "host " + text,
            Name = "name " + text, Queue = "queue " + text, JobId = "job " + text, Runtime = 0.5, Exception = "ex " + text,
        };
        var body = Direct(e);
        Assert.DoesNotThrow(() => JsonDocument.Parse(body), "valid JSON");
        Assert.That(Parse(body).Events.Single(), Is.EqualTo(e));
    }

    [Test]
    public void Cached_heads_follow_the_type_name_queue_and_host_of_each_event()
    {
        // More combinations than the cache has slots, interleaved, so that slots are reused and collide.
        var hosts = new[] { "h1", "h2" };
        var events = new List<JobEvent>();
        for (var round = 0; round < 3; round++)
        {
            for (var n = 0; n < 40; n++)
            {
                foreach (var type in new[] { EventType.JobSent, EventType.JobStarted, EventType.JobSucceeded })
                {
                    var factory = new EventFactory("hangfire", hosts[n % 2]);
                    events.Add(factory.Job(type, $"Job{n}", $"q{n % 3}", $"{n}", runtime: type == EventType.JobSucceeded ? n : null));
                }
            }
        }
        // The same text in a new string instance, after its first instance was cached.
        events.Add(events[0] with { Name = new string("Job0".ToCharArray()), Queue = "other" });
        using var buffer = new PooledBufferWriter(16);
        EventJson.WriteMessage(buffer, events, 0, events.Count);
        Assert.That(Parse(buffer.WrittenMemory.Span).Events, Is.EqualTo(events));
    }

    [Test]
    public void A_backlog_event_or_a_number_json_cannot_hold_goes_the_general_way()
    {
        var factory = new EventFactory("hangfire", "w1");
        var backlog = factory.Backlog(new BacklogSnapshot { Queues = [new BacklogQueue("default", 12, 3, 3.5)], Servers = 2 }, TimeSpan.FromSeconds(30));
        Assert.That(Direct(backlog), Is.EqualTo(General(backlog)));
        var notANumber = factory.Job(EventType.JobSucceeded, "A.B", "default", runtime: double.NaN);
        Assert.Throws<ArgumentException>(() => Direct(notANumber), "as Utf8JsonWriter refuses it");
    }
}
