using System.Text;
using System.Text.Json.Nodes;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>
/// Seeded, random damage to real events, as a broken or hostile sender would do it: numbers past every bound or past a
/// double, values of the wrong type, missing and repeated fields, unknown fields nested deep, odd strings, elements that
/// are no event at all; and byte-level damage to whole messages. An event it mutates stays valid JSON, so that the good
/// events beside it in a batch can still be read.
/// </summary>
internal sealed class EventMutator(Random random)
{
    // Every number field of ours and of Celery's, so that a mutation can add one an event did not have.
    private static readonly string[] NumberFields =
        ["v", "ts", "timestamp", "runtime", "wait", "interval", "freq", "active", "dropped", "publish_failures", "backlog_failures", "servers", "length"];

    private static readonly string[] StringFields = ["type", "id", "uuid", "system", "hostname", "name", "queue", "job_id", "exception"];

    // Written as JSON text: 1e400 is beyond a double, 9007199254740993 beyond 2^53, 2147483648 beyond an int.
    private static readonly string[] Numbers =
    [
        "1e12", "3e11", "1e308", "-1e308", "1e400", "-1e400", "-1", "0", "-0.0", "1e-320", "4102444801", "4102444800", "9007199254740993",
        "9223372036854775808", "2147483648", "1.5", "86400.001", "31536001", "1795501685.5", "1",
    ];

    private static readonly string[] WrongTypes = ["true", "false", "\"NaN\"", "\"Infinity\"", "\"1e3\"", "[]", "{}", "[1,2]", "{\"a\":1}", "null"];

    private static readonly string[] Strings =
    [
        "", " ", "x", "__other__", "unknown", "a\nb", "\u0000", "é\u200b", "job-sent", "job-succeeded", "worker-heartbeat", "worker-offline",
        "storage-backlog", "task-sent", "task-succeeded", "task-failed", "worker-online", "celery", "hangfire", new string('n', 300),
    ];

    // Inserted as text: a key given twice, escapes that do not make a valid string, raw control characters escaped.
    private static readonly string[] RawProperties =
        ["\"name\":\"\\ud800\"", "\"hostname\":\"\\udc00x\"", "\"ts\":1e308", "\"timestamp\":-1", "\"type\":\"job-\\u0000\"", "\"id\":\"\\\"\""];

    /// <summary>The event, changed in one to three ways, as JSON text.</summary>
    public string Mutate(JsonObject source)
    {
        var e = source.DeepClone().AsObject();
        var inserted = new List<string>();
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            switch (random.Next(9))
            {
                case 0:
                    SetExisting(e, JsonNode.Parse(Pick(Numbers)));
                    break;
                case 1:
                    SetExisting(e, JsonNode.Parse(Pick(WrongTypes)));
                    break;
                case 2:
                    if (e.Count > 0) e.Remove(e.ElementAt(random.Next(e.Count)).Key);
                    break;
                case 3:
                    e[Pick(NumberFields)] = JsonNode.Parse(Pick(Numbers));
                    break;
                case 4:
                    e[Pick(StringFields)] = Pick(Strings);
                    break;
                case 5:
                    // Nested too deep somewhere, or only just not (8 levels for ours, 16 for Celery's).
                    inserted.Add($"\"{Pick([.. NumberFields, .. StringFields, "extra", "kwargs", "backlog"])}\":{Nested(random.Next(2) == 0 ? random.Next(1, 20) : random.Next(20, 3000))}");
                    break;
                case 6:
                    inserted.Add(Pick(RawProperties));
                    break;
                case 7:
                    e["backlog"] = Backlog();
                    break;
                default:
                    e[Pick(NumberFields)] = JsonNode.Parse(Pick(WrongTypes));
                    break;
            }
        }
        var text = e.ToJsonString();
        foreach (var property in inserted) text = "{" + property + (text.Length > 2 ? "," : "") + text[1..];
        return text;
    }

    /// <summary>A batch element that is no event: a number, a string, null, a list, one nested deep.</summary>
    public string NotAnEvent() => random.Next(6) switch
    {
        0 => "7",
        1 => "\"job-sent\"",
        2 => "null",
        3 => "[]",
        4 => Lists(random.Next(1, 3000)),
        _ => "true",
    };

    /// <summary>The message damaged byte by byte: flipped, cut, with bytes added or taken out; often no longer JSON or UTF-8.</summary>
    public byte[] Damage(byte[] body)
    {
        var bytes = new List<byte>(body);
        for (var i = random.Next(1, 5); i > 0 && bytes.Count > 0; i--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                    break;
                default:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 32), bytes.Count - at));
                    break;
            }
        }
        return [.. bytes];
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private void SetExisting(JsonObject e, JsonNode? value)
    {
        if (e.Count > 0) e[e.ElementAt(random.Next(e.Count)).Key] = value;
    }

    private JsonNode? Backlog() => random.Next(3) switch
    {
        0 => JsonNode.Parse($$"""{"queues":[{"queue":"q","length":{{Pick(Numbers)}},"oldest_age":{{Pick(Numbers)}}}],"jobs":{"enqueued":{{Pick(Numbers)}}},"servers":{{Pick(Numbers)}}}"""),
        1 => JsonNode.Parse($$"""{"queues":{{Pick(WrongTypes)}},"jobs":{{Pick(WrongTypes)}}}"""),
        _ => JsonNode.Parse(Pick(WrongTypes)),
    };

    private static string Lists(int depth) => new string('[', depth) + new string(']', depth);

    private static string Nested(int depth)
    {
        var text = new StringBuilder();
        for (var i = 1; i < depth; i++) text.Append("{\"a\":");
        text.Append("{}");
        text.Append('}', depth - 1);
        return text.ToString();
    }
}
