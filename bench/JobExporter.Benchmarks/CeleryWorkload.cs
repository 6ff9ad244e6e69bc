using System.Globalization;
using System.Text;

namespace JobExporter.Benchmarks;

/// <summary>
/// The Celery workload celery-exporter was measured on (../shared/celery/README.md): 50,000 tasks x 4 events (task-sent,
/// -received, -started, then -succeeded or, for 5 %, -failed), plus 1,010 worker heartbeats, 201,010 events in all, as
/// Celery 5.2.6 writes them. 50 task names on 5 queues, 10 workers, 3 exception types. Either one event a message, or the
/// worker-side events in task.multi lists of 24 (task-sent stays single: the client sends it).
/// </summary>
internal static class CeleryWorkload
{
    public const int Tasks = 50_000;
    public const int Heartbeats = 1_010;
    public const int Events = Tasks * 4 + Heartbeats;
    private static readonly string[] Queues = ["celery", "default", "high_priority", "low_priority", "reports"];
    private static readonly string[] Exceptions = ["ValueError('bad input')", "TimeoutError('upstream')", "KeyError('id')"];

    /// <summary>Message bodies in publish order: the events of each task in order, tasks interleaved by four at a time.</summary>
    public static IReadOnlyList<byte[]> Messages(int perList)
    {
        var random = new Random(14);
        var single = new List<string>();
        var workerSide = new List<string>();
        var ts = 1_795_501_685.0;
        var heartbeatEvery = Tasks / Heartbeats + 1;
        var heartbeats = 0;
        for (var i = 0; i < Tasks; i++)
        {
            var uuid = $"{i:x8}-cd61-4e30-98f1-6adf91b7584a";
            var name = $"app.module{i % 50 / 10}.tasks.task_{i % 50}";
            var queue = Queues[i % 50 % Queues.Length];
            var worker = $"celery@worker-{i % 10:D2}.prod.internal";
            ts += 0.001;
            single.Add(Sent(uuid, name, queue, ts, i));
            workerSide.Add(Received(uuid, name, worker, ts + 0.002, i));
            workerSide.Add(Event("task-started", uuid, worker, ts + 0.010, i, ""));
            workerSide.Add(random.NextDouble() < 0.05
                ? Event("task-failed", uuid, worker, ts + 0.2, i, $", \"exception\": \"{Exceptions[i % 3]}\", \"traceback\": \"Traceback (most recent call last): ...\"")
                : Event("task-succeeded", uuid, worker, ts + 0.2, i, $", \"result\": \"None\", \"runtime\": {F(0.19 + random.NextDouble() / 10)}"));
            if (i % heartbeatEvery == 0 && heartbeats < Heartbeats)
            {
                single.Add(Heartbeat($"celery@worker-{heartbeats % 10:D2}.prod.internal", ts, heartbeats++));
            }
        }
        while (heartbeats < Heartbeats) single.Add(Heartbeat($"celery@worker-{heartbeats % 10:D2}.prod.internal", ts, heartbeats++));

        var messages = new List<byte[]>(Events);
        if (perList <= 1)
        {
            // Interleave as a live system would: each task's sent before its worker-side events.
            var w = 0;
            foreach (var body in single)
            {
                messages.Add(Encoding.UTF8.GetBytes(body));
                if (body.Contains("\"task-sent\"", StringComparison.Ordinal))
                {
                    for (var k = 0; k < 3; k++) messages.Add(Encoding.UTF8.GetBytes(workerSide[w++]));
                }
            }
            return messages;
        }
        // task-sent and heartbeats single; the worker-side events in lists, each list after the sends it refers to.
        var sentSoFar = 0;
        var next = 0;
        foreach (var body in single)
        {
            messages.Add(Encoding.UTF8.GetBytes(body));
            if (!body.Contains("\"task-sent\"", StringComparison.Ordinal)) continue;
            sentSoFar++;
            while (next + perList <= sentSoFar * 3 || (sentSoFar == Tasks && next < workerSide.Count))
            {
                var count = Math.Min(perList, workerSide.Count - next);
                messages.Add(Encoding.UTF8.GetBytes("[" + string.Join(", ", workerSide.GetRange(next, count)) + "]"));
                next += count;
            }
        }
        return messages;
    }

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Sent(string uuid, string name, string queue, double ts, int i) =>
        $$"""{"hostname": "gen{{1000 + i % 5}}@web-0{{i % 5}}.prod.internal", "utcoffset": 0, "pid": {{1000 + i % 5}}, "clock": {{i}}, "uuid": "{{uuid}}", "root_id": "{{uuid}}", "parent_id": null, "name": "{{name}}", "args": "({{i}},)", "kwargs": "{'user_id': {{i % 9973}}, 'source': 'api'}", "retries": 0, "eta": null, "expires": null, "queue": "{{queue}}", "exchange": "", "routing_key": "{{queue}}", "timestamp": {{F(ts)}}, "type": "task-sent"}""";

    private static string Received(string uuid, string name, string worker, double ts, int i) =>
        $$"""{"hostname": "{{worker}}", "utcoffset": 0, "pid": 100, "clock": {{i}}, "uuid": "{{uuid}}", "name": "{{name}}", "args": "({{i}},)", "kwargs": "{'user_id': {{i % 9973}}, 'source': 'api'}", "root_id": "{{uuid}}", "parent_id": null, "retries": 0, "eta": null, "expires": null, "timestamp": {{F(ts)}}, "type": "task-received"}""";

    private static string Event(string type, string uuid, string worker, double ts, int i, string extra) =>
        $$"""{"hostname": "{{worker}}", "utcoffset": 0, "pid": 100, "clock": {{i}}, "uuid": "{{uuid}}"{{extra}}, "timestamp": {{F(ts)}}, "type": "{{type}}"}""";

    private static string Heartbeat(string worker, double ts, int i) =>
        $$"""{"hostname": "{{worker}}", "utcoffset": 0, "pid": 100, "clock": {{i}}, "freq": 2.0, "active": 3, "processed": {{i * 40}}, "loadavg": [1.84, 1.72, 0.66], "sw_ident": "py-celery", "sw_ver": "5.2.6", "sw_sys": "Linux", "timestamp": {{F(ts)}}, "type": "worker-heartbeat"}""";
}
