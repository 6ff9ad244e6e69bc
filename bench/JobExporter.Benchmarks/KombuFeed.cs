using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

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

    private readonly Func<int, byte[]> _command;
    private readonly Func<int, int> _events;

    private KombuFeed(Func<int, byte[]> command, Func<int, int> events, int messages, long totalEvents)
    {
        _command = command;
        _events = events;
        Messages = messages;
        Events = totalEvents;
    }

    /// <summary>Events in the feed (once through it).</summary>
    public long Events { get; }

    public int Messages { get; }

    /// <summary>The first <paramref name="messages"/> messages of the bodies (all when larger), enveloped ahead of time.</summary>
    public static KombuFeed From(IReadOnlyList<byte[]> bodies, int messages = int.MaxValue)
    {
        var commands = new List<byte[]>();
        var events = new List<int>();
        for (var i = 0; i < Math.Min(messages, bodies.Count); i++)
        {
            commands.Add(Command(bodies[i], i));
            events.Add(EventsIn(bodies[i]));
        }
        return new KombuFeed(i => commands[i], i => events[i], commands.Count, events.Sum(e => (long)e));
    }

    /// <summary>
    /// The bodies over and over, each pass with other task ids (the exporter would take a task's events seen again for
    /// what they are: the same task), enveloped as they are published: for the paced publishing of the stalls, where a
    /// stream longer than the workload is needed and would not fit in memory ready-made.
    /// </summary>
    public static KombuFeed Endless(IReadOnlyList<byte[]> bodies) =>
        new(i =>
            {
                var body = bodies[i % bodies.Count];
                var pass = i / bodies.Count;
                if (pass > 0) body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("-cd61-", $"-{0xcd61 + pass:x4}-", StringComparison.Ordinal));
                return Command(body, i);
            },
            i => EventsIn(bodies[i % bodies.Count]), int.MaxValue, long.MaxValue);

    private static int EventsIn(byte[] body) =>
        BareConsumer.CeleryEvents(body) is var n and > 0 ? (int)n : throw new InvalidOperationException("a message without events");

    private static byte[] Command(byte[] body, int i)
    {
        var routingKey = RoutingKey(body);
        // The text Python's json.dumps writes (", " and ": "), as in the samples.
        var tag = new Guid((uint)i, 0x7a45, 0x4945, 0xb3, 0x2d, 0x2f, 0xc8, 0xe3, 0x24, 0x33, 0x0c);
        var envelope = "{\"body\": \"" + Convert.ToBase64String(body) + "\", \"content-encoding\": \"utf-8\", \"content-type\": \"application/json\", " +
            "\"headers\": {\"hostname\": \"celery@worker-00.prod.internal\"}, \"properties\": {\"delivery_mode\": 1, \"delivery_info\": " +
            "{\"exchange\": \"" + Exchange + "\", \"routing_key\": \"" + routingKey + "\"}, \"priority\": 0, \"body_encoding\": \"base64\", " +
            "\"delivery_tag\": \"" + tag + "\"}}";
        return JobExporter.Redis.RespWriter.Command("PUBLISH", $"/0.{Exchange}/{routingKey}", envelope);
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
    /// them (an endless feed needs a duration). Returns the events published. A reader drains Redis's replies meanwhile, keeping at most a window of commands unanswered.
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
            if (duration is { } d ? clock.Elapsed >= d : index >= Messages) break;
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
            while (chunk.Length < 64 * 1024 && events < due && (duration is not null || index < Messages))
            {
                chunk.Write(_command(index));
                events += _events(index);
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
