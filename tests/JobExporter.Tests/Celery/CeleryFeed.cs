using System.Text;
using System.Text.Json.Nodes;
using JobExporter.Celery;
using JobExporter.Testing;

namespace JobExporter.Tests.Celery;

/// <summary>
/// The exporter's aggregation fed through the Celery decoder, on a fake clock: Celery messages in (as Celery 5.2.6
/// writes them), /metrics out. Builds event bodies in Celery's wire form for the tests.
/// </summary>
internal sealed class CeleryFeed
{
    public const string Json = "application/json";

    public CeleryFeed(int taskIndexSize = 1000, params string[] args) : this(taskIndexSize, CeleryEventHold.DefaultCapacity, args)
    {
    }

    private CeleryFeed(int taskIndexSize, int holdCapacity, string[] args)
    {
        Exporter = new TestExporter(null, args);
        var celeryMetrics = new CeleryMetrics(Exporter.Metrics);
        Hold = new CeleryEventHold(Exporter.Time, events => celeryMetrics.HoldOverflow.Inc(events), capacity: holdCapacity);
        Decoder = new CeleryEventDecoder(Exporter.Options.ParserLimits, new CeleryTaskIndex(taskIndexSize, () => celeryMetrics.TaskIndexEvicted.Inc()), Hold);
    }

    /// <summary>A feed whose hold keeps at most <paramref name="capacity"/> events of tasks not named yet.</summary>
    public static CeleryFeed WithHoldCapacity(int capacity) => new(1000, capacity, []);

    public CeleryEventHold Hold { get; }

    /// <summary>What the consumer's timer does: applies the held events that waited their time.</summary>
    public void ApplyExpired() => Decoder.ApplyExpired(Exporter.Applier);

    public TestExporter Exporter { get; }
    public CeleryEventDecoder Decoder { get; }

    public double Now => Exporter.Now;

    public void Receive(string body, string? contentType = Json) => Decoder.Decode(Encoding.UTF8.GetBytes(body), contentType, Exporter.Applier);

    public void Receive(byte[] body, string? contentType = Json) => Decoder.Decode(body, contentType, Exporter.Applier);

    /// <summary>One event as Celery publishes it alone (routing key task.sent, worker.heartbeat, ...).</summary>
    public void Send(JsonObject e) => Receive(e.ToJsonString());

    /// <summary>Events as a prefork worker buffers them into one task.multi message.</summary>
    public void SendList(params JsonObject[] events) => Receive(new JsonArray([.. events]).ToJsonString());

    public MetricsSnapshot Scrape() => Exporter.Scrape();

    public void Advance(TimeSpan by) => Exporter.Advance(by);

    /// <summary>Replays a sample file: one JSON object a line with content_type and the decoded body.</summary>
    public void Replay(string path)
    {
        foreach (var line in File.ReadLines(path).Where(l => l.Length > 0))
        {
            var message = JsonNode.Parse(line)!.AsObject();
            Receive(message["body"]!.ToJsonString(), (string?)message["content_type"]);
        }
    }

    public static JsonObject Task(string type, string uuid, double ts, string hostname = "celery@worker-1") => new()
    {
        ["hostname"] = hostname,
        ["utcoffset"] = 0,
        ["pid"] = 100,
        ["clock"] = 1,
        ["uuid"] = uuid,
        ["timestamp"] = ts,
        ["type"] = type,
    };

    public static JsonObject Sent(string uuid, double ts, string name, string queue) =>
        With(Task("task-sent", uuid, ts, "gen1@web-1"), ("name", name), ("queue", queue), ("routing_key", queue), ("args", "(1,)"),
            ("kwargs", "{}"), ("retries", 0), ("eta", null), ("parent_id", null));

    public static JsonObject Received(string uuid, double ts, string name, string hostname = "celery@worker-1") =>
        With(Task("task-received", uuid, ts, hostname), ("name", name), ("args", "(1,)"), ("kwargs", "{}"), ("retries", 0), ("eta", null));

    public static JsonObject Worker(string type, double ts, string hostname = "celery@worker-1", double freq = 2.0, int active = 0) => new()
    {
        ["hostname"] = hostname,
        ["utcoffset"] = 0,
        ["pid"] = 100,
        ["clock"] = 1,
        ["freq"] = freq,
        ["active"] = active,
        ["processed"] = 0,
        ["loadavg"] = new JsonArray(0.1, 0.1, 0.1),
        ["sw_ident"] = "py-celery",
        ["sw_ver"] = "5.2.6",
        ["sw_sys"] = "Linux",
        ["timestamp"] = ts,
        ["type"] = type,
    };

    public static JsonObject With(JsonObject e, params (string Key, object? Value)[] fields)
    {
        foreach (var (key, value) in fields) e[key] = value is null ? null : JsonValue.Create(value);
        return e;
    }

    public static string SamplePath(string file) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Celery", "Samples", file);
}
