using System.Text;
using System.Text.Json.Nodes;

namespace JobExporter.IntegrationTests.Celery;

/// <summary>Celery events in kombu's envelope, as kombu's Redis transport publishes them on the event channel.</summary>
internal static class KombuRedisMessages
{
    /// <summary>
    /// A worker-heartbeat from <paramref name="hostname"/>; with <paramref name="paddingBytes"/>, a field of that many
    /// characters that Celery's events do not have, to make the message as large as a test needs.
    /// </summary>
    public static string Heartbeat(string hostname, int paddingBytes = 0) => new JsonObject
    {
        ["body"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $$"""{"hostname": "{{hostname}}", "utcoffset": 0, "pid": 1, "clock": 1, "freq": 2.0, "active": 0, "processed": 0, "timestamp": {{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0}}, "type": "worker-heartbeat"{{Padding(paddingBytes)}}}""")),
        ["content-encoding"] = "utf-8",
        ["content-type"] = "application/json",
        ["headers"] = new JsonObject { ["hostname"] = hostname },
        ["properties"] = new JsonObject
        {
            ["delivery_mode"] = 1,
            ["delivery_info"] = new JsonObject { ["exchange"] = "celeryev", ["routing_key"] = "worker.heartbeat" },
            ["priority"] = 0,
            ["body_encoding"] = "base64",
            ["delivery_tag"] = Guid.NewGuid().ToString(),
        },
    }.ToJsonString();

    private static string Padding(int bytes) => bytes == 0 ? "" : $", \"padding\": \"{new string('x', bytes)}\"";
}
