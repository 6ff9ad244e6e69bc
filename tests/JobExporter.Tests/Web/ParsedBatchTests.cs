using System.Text;
using JobExporter.Contracts;
using JobExporter.Web;

namespace JobExporter.Tests.Web;

/// <summary>
/// The ingest endpoint parses a posted batch into a <see cref="ParsedBatch"/> and applies it later: what reaches the applier
/// must be what parsing straight into it would have given, good events and rejections in the same order.
/// </summary>
public class ParsedBatchTests
{
    [Test]
    public void A_replayed_batch_hands_over_the_same_events_and_rejections_in_the_same_order_as_parsing_directly()
    {
        const string Good = """{"v":1,"type":"job-sent","id":"ID","ts":1700000000,"system":"hangfire","hostname":"w1","name":"N","queue":"q"}""";
        var body = Encoding.UTF8.GetBytes(
            $"[{Good.Replace("ID", "a")},{Good.Replace("\"v\":1", "\"v\":99")},{Good.Replace("ID", "b")},{{\"v\":1}},{Good.Replace("ID", "c")}]");
        var parser = new EventParser();
        var direct = new OrderedSink();
        parser.Parse(body, direct);

        var batch = new ParsedBatch();
        parser.Parse(body, batch);
        var replayed = new OrderedSink();
        batch.ReplayTo(replayed);

        Assert.That(direct.Seen, Has.Count.EqualTo(5).And.Some.StartsWith("invalid "), "the body mixes good events and rejections");
        Assert.That(replayed.Seen, Is.EqualTo(direct.Seen));
    }

    private sealed class OrderedSink : IEventSink
    {
        public List<string> Seen { get; } = [];
        public void OnEvent(JobEvent e) => Seen.Add($"event {e.Id}");
        public void OnInvalid(string reason) => Seen.Add($"invalid {reason}");
    }
}
