using System.Globalization;
using System.Text;
using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

/// <summary>Every number on the wire at its bound is read; just past it, the event alone is rejected as invalid_value.</summary>
public class EventBoundsTests
{
    private const string Job = """{"v":1,"type":"job-succeeded","id":"b1","ts":1700000000,"system":"hangfire","hostname":"w1","name":"N","queue":"q","runtime":1""";
    private const string Heartbeat = """{"v":1,"type":"worker-heartbeat","id":"h1","ts":1700000000,"system":"hangfire","hostname":"w1","active":1""";
    private const string Backlog = """{"v":1,"type":"storage-backlog","id":"s1","ts":1700000000,"system":"hangfire","hostname":"w1","backlog":{"queues":[{"queue":"q","length":1""";

    private static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    // (event without its closing, field written after it at the bound, the same just past the bound)
    private static IEnumerable<TestCaseData> Bounds()
    {
        TestCaseData Case(string name, string head, string atBound, string pastBound, string tail = "}") =>
            new TestCaseData(head + atBound + tail, head + pastBound + tail).SetName($"{name} is bounded");
        var day = EventBounds.MaxIntervalSeconds;
        var year = EventBounds.MaxDurationSeconds;
        var count = EventBounds.MaxCount;
        yield return Case("ts (latest)", Job.Replace("\"ts\":1700000000,", ""), $",\"ts\":{N(EventBounds.MaxTimestamp)}", ",\"ts\":4102444800.5");
        yield return Case("ts (earliest)", Job.Replace("\"ts\":1700000000,", ""), $",\"ts\":{N(EventBounds.MinTimestamp)}", ",\"ts\":-0.5");
        yield return Case("ts of 1e308", Job.Replace("\"ts\":1700000000,", ""), ",\"ts\":1", ",\"ts\":1e308");
        yield return Case("runtime", Job, $",\"runtime\":{N(year)}", $",\"runtime\":{N(year + 1)}");
        yield return Case("runtime of 1e308", Job, ",\"runtime\":0", ",\"runtime\":1e308");
        yield return Case("wait", Job, $",\"wait\":{N(year)}", $",\"wait\":{N(year + 1)}");
        yield return Case("heartbeat interval", Heartbeat, $",\"interval\":{N(day)}", $",\"interval\":{N(day + 0.001)}");
        yield return Case("heartbeat interval of 1e12", Heartbeat, ",\"interval\":0", ",\"interval\":1e12");
        yield return Case("active", Heartbeat, ",\"active\":0", ",\"active\":-1");
        yield return Case("dropped", Heartbeat, $",\"dropped\":{count}", $",\"dropped\":{count + 1}");
        yield return Case("publish_failures", Heartbeat, $",\"publish_failures\":{count}", $",\"publish_failures\":{count + 1}");
        yield return Case("backlog_failures", Heartbeat, $",\"backlog_failures\":{count}", $",\"backlog_failures\":{count + 1}");
        yield return Case("backlog interval", Backlog, $"}}]}},\"interval\":{N(day)}", $"}}]}},\"interval\":3e11");
        yield return Case("queue length", Backlog.Replace(",\"length\":1", ""), $",\"length\":{count}", $",\"length\":{count + 1}", "}]}}");
        yield return Case("queue fetched", Backlog, $",\"fetched\":{count}", $",\"fetched\":{count + 1}", "}]}}");
        yield return Case("queue oldest_age", Backlog, $",\"oldest_age\":{N(year)}", $",\"oldest_age\":{N(year * 2)}", "}]}}");
        yield return Case("jobs by state", Backlog, $"}}],\"jobs\":{{\"enqueued\":{count}}}", $"}}],\"jobs\":{{\"enqueued\":{count + 1}}}", "}}");
    }

    [TestCaseSource(nameof(Bounds))]
    public void A_value_at_its_bound_is_read_and_one_past_it_rejects_only_its_event(string atBound, string pastBound)
    {
        var sink = new RecordingSink();
        var good = """{"v":1,"type":"job-sent","id":"g","ts":1700000000,"system":"hangfire","hostname":"w1","name":"N","queue":"q"}""";
        new EventParser().Parse(Encoding.UTF8.GetBytes($"[{atBound},{pastBound},{good.Replace("\"g\"", "\"g2\"")}]"), sink);
        Assert.That(sink.Invalid, Is.EqualTo(new[] { InvalidReasons.InvalidValue }), pastBound);
        Assert.That(sink.Events.Select(e => e.Type), Is.EqualTo(new[] { sink.Events[0].Type, EventType.JobSent }), atBound);
    }

    [Test]
    public void Each_event_of_a_batch_is_checked_for_depth_on_its_own()
    {
        var sink = new RecordingSink();
        var good = """{"v":1,"type":"job-sent","id":"ID","ts":1700000000,"system":"hangfire","hostname":"w1","name":"N","queue":"q"}""";
        // The limit is 8 and the batch takes 2: a field may nest 6 deep, not 7.
        string With(string id, int depth) => good.Replace("ID", id)[..^1] + ",\"x\":" + Nested(depth) + "}";
        new EventParser().Parse(Encoding.UTF8.GetBytes($"[{With("a", 6)},{With("b", 7)},{With("c", 50_000)},{Arrays(7)},{Arrays(8)},{good.Replace("ID", "d")}]"), sink);
        Assert.That(sink.Events.Select(e => e.Id), Is.EqualTo(new[] { "a", "d" }));
        Assert.That(sink.Invalid, Is.EqualTo(new[] { InvalidReasons.TooDeep, InvalidReasons.TooDeep, InvalidReasons.NotAnObject, InvalidReasons.TooDeep }));
    }

    [Test]
    public void A_backlog_nested_too_deep_rejects_only_its_event()
    {
        var sink = new RecordingSink();
        var good = """{"v":1,"type":"job-sent","id":"g","ts":1700000000,"system":"hangfire","hostname":"w1","name":"N","queue":"q"}""";
        var deep = Backlog + ",\"x\":" + Nested(10) + "}]}}";
        new EventParser().Parse(Encoding.UTF8.GetBytes($"[{deep},{good}]"), sink);
        Assert.That(sink.Invalid, Is.EqualTo(new[] { InvalidReasons.TooDeep }));
        Assert.That(sink.Events.Single().Id, Is.EqualTo("g"));
    }

    [Test]
    public void An_exception_from_one_event_is_counted_and_the_events_after_it_still_count()
    {
        var sink = new ThrowingSink("boom");
        string Event(string id) => $$"""{"v":1,"type":"job-sent","id":"{{id}}","ts":1700000000,"system":"hangfire","hostname":"w1","name":"N","queue":"q","x":[{"y":1}]}""";
        new EventParser().Parse(Encoding.UTF8.GetBytes($"[{Event("a")},{Event("boom")},{Event("c")}]"), sink);
        Assert.That(sink.Events.Select(e => e.Id), Is.EqualTo(new[] { "a", "c" }));
        Assert.That(sink.Invalid, Is.EqualTo(new[] { InvalidReasons.InternalError }));
    }

    private static string Arrays(int depth) => new string('[', depth) + new string(']', depth);

    internal static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

    private sealed class ThrowingSink(string failingId) : IEventSink
    {
        public List<JobEvent> Events { get; } = [];
        public List<string> Invalid { get; } = [];

        public void OnEvent(JobEvent e)
        {
            if (e.Id == failingId) throw new OverflowException("a bug");
            Events.Add(e);
        }

        public void OnInvalid(string reason) => Invalid.Add(reason);
    }
}
