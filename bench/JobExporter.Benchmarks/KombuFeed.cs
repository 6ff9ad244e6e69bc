using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace JobExporter.Benchmarks;

/// <summary>
/// Celery's event messages as kombu's Redis transport publishes them: each body wrapped in kombu's envelope (base64 body,
/// content type, headers, properties with the delivery info; the form of tests/JobExporter.Tests/Celery/Samples/redis-pubsub-messages.jsonl)
/// and sent with PUBLISH on <c>/0.celeryev/&lt;routing key&gt;</c>, the routing key being the event type with '-' turned into
/// '.' (<c>task.multi</c> for a list). Each message is kept as its ready-made RESP command, so that publishing costs the
/// benchmark's process nearly nothing.
/// </summary>
internal sealed class KombuFeed
{
    public const string Exchange = "celeryev";

    private KombuFeed(IReadOnlyList<byte[]> commands, IReadOnlyList<int> events)
    {
        Commands = commands;
        EventsOf = events;
        Events = events.Sum(e => (long)e);
    }

    /// <summary>A PUBLISH command a message.</summary>
    public IReadOnlyList<byte[]> Commands { get; }

    /// <summary>Celery events in each message (1, or the length of a task.multi list).</summary>
    public IReadOnlyList<int> EventsOf { get; }

    public long Events { get; }

    public int Messages => Commands.Count;

    /// <summary>The first <paramref name="messages"/> messages of the bodies (all when larger), enveloped.</summary>
    public static KombuFeed From(IReadOnlyList<byte[]> bodies, int messages = int.MaxValue)
    {
        var commands = new List<byte[]>();
        var events = new List<int>();
        for (var i = 0; i < Math.Min(messages, bodies.Count); i++)
        {
            var body = bodies[i];
            var routingKey = RoutingKey(body);
            var envelope = new JsonObject
            {
                ["body"] = Convert.ToBase64String(body),
                ["content-encoding"] = "utf-8",
                ["content-type"] = "application/json",
                ["headers"] = new JsonObject { ["hostname"] = "celery@worker-00.prod.internal" },
                ["properties"] = new JsonObject
                {
                    ["delivery_mode"] = 1,
                    ["delivery_info"] = new JsonObject { ["exchange"] = Exchange, ["routing_key"] = routingKey },
                    ["priority"] = 0,
                    ["body_encoding"] = "base64",
                    ["delivery_tag"] = new Guid((uint)i, 0x7a45, 0x4945, 0xb3, 0x2d, 0x2f, 0xc8, 0xe3, 0x24, 0x33, 0x0c).ToString(),
                },
            }.ToJsonString();
            commands.Add(JobExporter.Redis.RespWriter.Command("PUBLISH", $"/0.{Exchange}/{routingKey}", envelope));
            events.Add(BareConsumer.CeleryEvents(body) is var n and > 0 ? (int)n : throw new InvalidOperationException("a message without events"));
        }
        return new KombuFeed(commands, events);
    }

    // Celery's event dispatcher publishes with the type as routing key, '-' made '.'; the worker's buffered lists as task.multi.
    private static string RoutingKey(byte[] body)
    {
        if (body[0] == '[') return "task.multi";
        var text = Encoding.UTF8.GetString(body);
        var at = text.LastIndexOf("\"type\": \"", StringComparison.Ordinal) + "\"type\": \"".Length;
        return text[at..text.IndexOf('"', at)].Replace('-', '.');
    }

    /// <summary>
    /// Publishes messages on one connection, pipelined: as fast as Redis takes them (<paramref name="eventsPerSecond"/> null),
    /// or paced to that many events a second, for <paramref name="duration"/> (cycling through the messages) or once through
    /// them. Returns the events published. A reader drains Redis's replies meanwhile, keeping at most a window of commands unanswered.
    /// </summary>
    public async Task<long> PublishAsync(int port, double? eventsPerSecond = null, TimeSpan? duration = null, CancellationToken cancel = default)
    {
        const int Window = 20_000;
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port, cancel);
        var stream = client.GetStream();
        long sent = 0;
        long answered = 0;
        var replies = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cancel);
                if (read == 0) return;
                // Every reply to PUBLISH is one integer line.
                var lines = buffer.AsSpan(0, read).Count((byte)'\n');
                Interlocked.Add(ref answered, lines);
            }
        }, cancel);
        var chunk = new MemoryStream(256 * 1024);
        long events = 0;
        var clock = Stopwatch.StartNew();
        var index = 0;
        while (true)
        {
            if (duration is { } d ? clock.Elapsed >= d : index >= Commands.Count) break;
            // Paced: what is due by now; flat out: a chunk's worth.
            var due = eventsPerSecond is { } rate ? (long)(clock.Elapsed.TotalSeconds * rate) : long.MaxValue;
            if (events >= due)
            {
                await Task.Delay(2, cancel);
                continue;
            }
            while (Volatile.Read(ref sent) - Interlocked.Read(ref answered) > Window) await Task.Delay(1, cancel);
            chunk.SetLength(0);
            var inChunk = 0;
            while (chunk.Length < 64 * 1024 && events < due && (duration is not null || index < Commands.Count))
            {
                var i = index % Commands.Count;
                chunk.Write(Commands[i]);
                events += EventsOf[i];
                index++;
                inChunk++;
            }
            Interlocked.Add(ref sent, inChunk);
            await stream.WriteAsync(chunk.GetBuffer().AsMemory(0, (int)chunk.Length), cancel);
        }
        // Every command answered: Redis has handed every message to its subscribers' output buffers.
        var deadline = Stopwatch.StartNew();
        while (Interlocked.Read(ref answered) < Volatile.Read(ref sent))
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(1)) throw new TimeoutException("redis-server did not answer every PUBLISH");
            await Task.Delay(5, cancel);
        }
        client.Client.Shutdown(SocketShutdown.Send);
        await replies;
        return events;
    }
}
