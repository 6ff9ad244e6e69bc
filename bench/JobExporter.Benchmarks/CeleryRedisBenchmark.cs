using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using JobExporter.Celery;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

/// <summary>One consumer's share of a stream published flat out while it was subscribed.</summary>
/// <param name="Seconds">From the first event counted to the last (sampled: scrapes for the exporter, its own lines for the bare subscriber).</param>
/// <param name="Dropped">Messages the exporter dropped to its full buffer (its exporter_celery_redis_dropped_total); 0 for the bare subscriber, which has none.</param>
internal sealed record RedisRun(string Consumer, int Round, long Published, long Counted, long Timed, double Seconds, double CpuSeconds, long PeakRssBytes, long Dropped)
{
    public double EventsPerSecond => Timed / Seconds;
    public double CpuMicrosecondsPerEvent => Counted == 0 ? double.NaN : CpuSeconds / Counted * 1e6;
    public long Lost => Published - Counted;
}

/// <param name="PacedRate">Events a second the stream was published at; null: flat out.</param>
internal sealed record RedisStream(string Label, long Events, int Messages, IReadOnlyList<RedisRun> Runs, string LoadBefore, string LoadAfter, double? PacedRate = null)
{
    public IReadOnlyList<RedisRun> Of(string consumer) => Runs.Where(r => r.Consumer == consumer).ToList();
    public double MedianRate(string consumer) => Stats.Median(Of(consumer).Select(r => r.EventsPerSecond));
    public double MedianCpu(string consumer) => Stats.Median(Of(consumer).Select(r => r.CpuMicrosecondsPerEvent));
    public double MedianPeakRss(string consumer) => Stats.Median(Of(consumer).Select(r => (double)r.PeakRssBytes));
    public long TotalLost(string consumer) => Of(consumer).Sum(r => r.Lost);
    public long TotalDropped(string consumer) => Of(consumer).Sum(r => r.Dropped);

    /// <summary>Exporter rate over bare-subscriber rate, per round (measured back to back), then the median.</summary>
    public double MedianRatio => Stats.Median(Runs.GroupBy(r => r.Round).Select(g =>
        g.Single(r => r.Consumer == "exporter").EventsPerSecond / g.Single(r => r.Consumer == "bare consumer").EventsPerSecond));
}

/// <summary>One stall: the exporter stopped (SIGSTOP) for <paramref name="Seconds"/> while events were published at a fixed rate.</summary>
internal sealed record RedisStall(double Seconds, long Published, long Counted, double Reconnects, double Dropped)
{
    public long Lost => Published - Counted;
}

internal sealed record CeleryRedisResult(RedisStream OneAMessage, RedisStream Lists, RedisStream Paced, double StallRate, IReadOnlyList<RedisStall> Stalls, string RedisVersion);

/// <summary>
/// Celery's events over Redis pub/sub (kombu's channels and envelope, <see cref="KombuFeed"/>), read by the real exporter
/// (<c>--celery.broker-url redis://...</c>) and by <see cref="BareRedisSubscriber"/>. Pub/sub keeps nothing, so this is a
/// sustained rate: each consumer subscribes, then the stream is published as fast as one pipelined connection can, and the
/// consumer's rate is the events it counted over the time from its first to its last; what it did not count is lost.
/// Then the stall: the exporter paused while events are published at a fixed rate, longer each time until events are lost.
/// </summary>
internal sealed class CeleryRedisBenchmark(TextWriter log)
{
    private static readonly IReadOnlyList<string> Patterns = CeleryRedisSubscriber.PatternsFor(0, KombuFeed.Exchange);

    /// <summary>celery-exporter 0.12.2 on Redis (../shared/celery/README.md).</summary>
    public const double TheirRate = 11_000;
    public const double TheirCpuMicroseconds = 86;

    public async Task<CeleryRedisResult> RunAsync(int rounds, int singleMessages, int listMessages, double pacedRate, double stallRate, IReadOnlyList<double> stalls)
    {
        await using var redis = await RedisServer.StartAsync();
        var version = await RedisVersionAsync(redis);
        var single = KombuFeed.From(CeleryWorkload.Messages(1), singleMessages);
        var lists = KombuFeed.From(CeleryWorkload.Messages(24), listMessages);
        log.WriteLine($"  redis-server {version}; one a message: {single.Events:N0} events; task.multi x 24: {lists.Events:N0} events in {lists.Messages:N0} messages");
        // Published flat out, the stream outruns any subscriber and would only measure Redis's cut-off: for the rates, Redis
        // keeps what a subscriber has not read yet however much it is; the stalls run with its default limit again.
        await ConfigSetAsync(redis, "client-output-buffer-limit", "pubsub 0 0 0");
        var oneAMessage = await StreamAsync(redis, "redis-single", single, rounds);
        var multi = await StreamAsync(redis, "redis-multi24", lists, rounds);
        await ConfigSetAsync(redis, "client-output-buffer-limit", DefaultPubSubLimit);
        // Paced at a rate both keep up with, under Redis's default limit as deployed: nothing may be lost.
        var paced = await StreamAsync(redis, "redis-single-paced", single, rounds, pacedRate);
        var stallRuns = new List<RedisStall>();
        var cycled = KombuFeed.Endless(CeleryWorkload.Messages(1));
        foreach (var seconds in stalls)
        {
            var stall = await StallAsync(redis, cycled, stallRate, seconds);
            stallRuns.Add(stall);
            log.WriteLine($"  stall {seconds:F0} s at {stallRate:N0} events/s: published {stall.Published:N0}, counted {stall.Counted:N0}, lost {stall.Lost:N0}, reconnects {stall.Reconnects:F0}, dropped {stall.Dropped:F0}");
            if (stall.Lost > 0) break;
        }
        return new CeleryRedisResult(oneAMessage, multi, paced, stallRate, stallRuns, version);
    }

    /// <summary>Redis 7's default for pub/sub clients: cut off at 32 MB unread, or past 8 MB for 60 s.</summary>
    private const string DefaultPubSubLimit = "pubsub 33554432 8388608 60";

    private static async Task ConfigSetAsync(RedisServer redis, string name, string value)
    {
        var answer = await redis.CommandAsync($"CONFIG SET {name} \"{value}\"");
        if (answer != "+OK") throw new InvalidOperationException($"CONFIG SET {name} \"{value}\": {answer}");
    }

    private static async Task<string> RedisVersionAsync(RedisServer redis)
    {
        // INFO's answer is a bulk string: its first line is the length; the version is on a line of its own.
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", redis.PlainPort);
        var stream = client.GetStream();
        await stream.WriteAsync("INFO server\r\n"u8.ToArray());
        var buffer = new byte[8192];
        var text = new StringBuilder();
        while (!text.ToString().Contains("redis_version:", StringComparison.Ordinal) || !text.ToString().Contains("redis_mode", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        var line = text.ToString().Split("\r\n").FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal));
        return line?["redis_version:".Length..] ?? "unknown";
    }

    private async Task<RedisStream> StreamAsync(RedisServer redis, string label, KombuFeed feed, int rounds, double? pacedRate = null)
    {
        log.WriteLine($"{label}: {feed.Events:N0} events in {feed.Messages:N0} messages, {rounds} rounds" + (pacedRate is { } r ? $", paced at {r:N0} events/s" : ""));
        var loadBefore = ProcStats.LoadAverage();
        var runs = new List<RedisRun>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternate who goes first, as the other sections do.
            foreach (var exporterFirst in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                await using IConsumerProcess consumer = exporterFirst ? await StartExporterAsync(redis) : StartBare(redis);
                var run = await MeasureAsync(redis, consumer, feed, round, pacedRate);
                runs.Add(run);
                log.WriteLine($"  {label} round {round + 1} {run.Consumer}: {run.EventsPerSecond:N0} events/s, {run.CpuMicrosecondsPerEvent:F1} µs CPU an event, " +
                    $"peak RSS {run.PeakRssBytes / 1048576.0:F0} MiB, lost {run.Lost:N0}, dropped by its buffer {run.Dropped:N0}");
            }
        }
        return new RedisStream(label, feed.Events, feed.Messages, runs, loadBefore, ProcStats.LoadAverage(), pacedRate);
    }

    private static async Task<ExporterConsumer> StartExporterAsync(RedisServer redis)
    {
        var port = FreePort.Next();
        var process = await ExporterProcess.StartWithArgsAsync(port,
            ["--web.listen-address", $"127.0.0.1:{port}", "--celery.enabled", "--celery.broker-url", redis.Url(), "--systems", "celery"],
            ExporterConsumer.ExtraEnvironment(), ExporterConsumer.Program);
        return new ExporterConsumer(process);
    }

    private static BareConsumerProcess StartBare(RedisServer redis) =>
        BareConsumerProcess.StartMode("bare-redis-subscriber", [redis.PlainPort.ToString(CultureInfo.InvariantCulture), .. Patterns]);

    /// <summary>Waits until Redis counts the consumer's pattern subscriptions (only one consumer is subscribed at a time).</summary>
    private static async Task WaitSubscribedAsync(RedisServer redis)
    {
        var deadline = Stopwatch.StartNew();
        while (await redis.CommandAsync("PUBSUB NUMPAT") != $":{Patterns.Count}")
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the consumer never subscribed");
            await Task.Delay(20);
        }
    }

    private static async Task<RedisRun> MeasureAsync(RedisServer redis, IConsumerProcess consumer, KombuFeed feed, int round, double? pacedRate)
    {
        await WaitSubscribedAsync(redis);
        var before = await consumer.ProgressAsync();
        var cpuBefore = ProcStats.CpuSeconds(consumer.Pid);
        var publishing = feed.PublishAsync(redis.PlainPort, pacedRate);
        Progress? first = null;
        var last = before;
        var quiet = Stopwatch.StartNew();
        // Sample until everything is counted, or nothing more came for 3 s after the publisher finished (the rest is lost).
        while (true)
        {
            await Task.Delay(publishing.IsCompleted ? 20 : 50);
            var now = await consumer.ProgressAsync();
            if (now.Count > last.Count)
            {
                first ??= now;
                last = now;
                quiet.Restart();
            }
            if (publishing.IsCompleted && (now.Count - before.Count >= feed.Events || quiet.Elapsed > TimeSpan.FromSeconds(3))) break;
            if (quiet.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"{consumer.Name}: no events for 2 minutes");
        }
        var published = await publishing;
        var cpu = ProcStats.CpuSeconds(consumer.Pid) - cpuBefore;
        var counted = last.Count - before.Count;
        var timed = first is { } f ? last.Count - f.Count : 0;
        var seconds = first is { } g ? last.Seconds - g.Seconds : double.NaN;
        // The exporter is fresh each round: its drop counter is the round's.
        var dropped = consumer is ExporterConsumer exporter ? (long)(await Scraper.GetAsync(exporter.Process.MetricsUrl)).Sum(DroppedMetric) : 0;
        return new RedisRun(consumer.Name, round, published, counted, timed, seconds, cpu, ProcStats.PeakRssBytes(consumer.Pid), dropped);
    }

    /// <summary>A fresh exporter; events at <paramref name="rate"/> for 1 s, then SIGSTOP for <paramref name="seconds"/>, SIGCONT, 3 s more.</summary>
    private static async Task<RedisStall> StallAsync(RedisServer redis, KombuFeed feed, double rate, double seconds)
    {
        await using var exporter = await StartExporterAsync(redis);
        await WaitSubscribedAsync(redis);
        var before = await Scraper.GetAsync(exporter.Process.MetricsUrl);
        var publishing = feed.PublishAsync(redis.PlainPort, rate, TimeSpan.FromSeconds(seconds + 4));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Signal(exporter.Pid, SIGSTOP);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds));
        }
        finally
        {
            Signal(exporter.Pid, SIGCONT);
        }
        var published = await publishing;
        // Settled: everything counted, or no change for 3 s.
        var counted = before.EventsApplied;
        var quiet = Stopwatch.StartNew();
        Scraper.Page page;
        while (true)
        {
            page = await Scraper.GetAsync(exporter.Process.MetricsUrl);
            if (page.EventsApplied > counted) quiet.Restart();
            counted = page.EventsApplied;
            if (counted - before.EventsApplied >= published || quiet.Elapsed > TimeSpan.FromSeconds(3)) break;
            await Task.Delay(100);
        }
        const string reconnects = "jobs_exporter_celery_redis_reconnects_total";
        return new RedisStall(seconds, published, counted - before.EventsApplied, page.Sum(reconnects) - before.Sum(reconnects),
            page.Sum(DroppedMetric) - before.Sum(DroppedMetric));
    }

    private const string DroppedMetric = "jobs_exporter_celery_redis_dropped_total";

    private const int SIGCONT = 18;
    private const int SIGSTOP = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The Celery-over-Redis section of docs/benchmarks.md, with celery-exporter's Redis figures.</summary>
    public static void Render(StringBuilder md, CeleryRedisResult? r)
    {
        if (r is null) return;
        string N(double v, string f = "N0") => v.ToString(f, CultureInfo.InvariantCulture);
        md.AppendLine("## Celery over Redis");
        md.AppendLine();
        md.AppendLine($"The Celery workload (as above) in kombu's Redis envelope (base64 body, content type, headers, properties), published with");
        md.AppendLine($"PUBLISH on kombu's fanout channels `/0.celeryev/<routing key>` of a private redis-server {r.RedisVersion}. Pub/sub keeps nothing,");
        md.AppendLine("so this is a sustained rate, not a drain: the consumer subscribes, then one pipelined connection publishes the stream as fast as");
        md.AppendLine("Redis takes it, and the consumer's rate is the events it counted over the time from its first to its last; events it never");
        md.AppendLine("counted are lost. Published flat out, the stream outruns any subscriber, and with Redis's default limit for pub/sub clients");
        md.AppendLine("(`client-output-buffer-limit pubsub 32mb 8mb 60`) both would be cut off within a second and the rate measure only that: for");
        md.AppendLine("these rounds the limit is lifted (`pubsub 0 0 0`), so each consumer reads at its own best pace; the stalls below run with the");
        md.AppendLine("default limit. Lost events here are the exporter's own buffer (`--celery.redis-buffer-bytes`, 64 MiB) overflowing. **Exporter**: the real binary with");
        md.AppendLine("`--celery.enabled --celery.broker-url redis://...`, its count read from `/metrics`. **Bare subscriber**: a PSUBSCRIBE on the");
        md.AppendLine("same patterns in its own process (same GC settings), which reads each message with the exporter's RESP reader, unwraps");
        md.AppendLine("kombu's envelope and counts the events by reading every JSON token. Rounds alternate who goes first. celery-exporter 0.12.2");
        md.AppendLine($"on Redis was measured elsewhere (../shared/celery/README.md): {N(TheirRate)} events/s at {N(TheirCpuMicroseconds)} µs CPU per event, peak RSS 64 MiB.");
        md.AppendLine($"The paced row publishes the one-event-a-message stream at {N(r.Paced.PacedRate ?? 0)} events/s, a rate the bare subscriber keeps up with, under");
        md.AppendLine("Redis's default limit: what a deployment at that rate sees, where nothing may be lost. Dropped: messages the exporter dropped to its");
        md.AppendLine("full buffer, from its own `jobs_exporter_celery_redis_dropped_total`.");
        md.AppendLine();
        md.AppendLine("| stream | consumer | events/s (median) | ratio exporter / bare | µs CPU per event | peak RSS | x celery-exporter's rate | x less CPU an event than celery-exporter | events lost (all rounds) | messages dropped by its buffer (all rounds) |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (s, name) in new[] { (r.OneAMessage, "one event a message, flat out"), (r.Lists, "task.multi x 24, flat out"),
                     (r.Paced, $"one event a message, paced at {N(r.Paced.PacedRate ?? 0)} events/s") })
        {
            foreach (var consumer in new[] { "exporter", "bare consumer" })
            {
                var exporter = consumer == "exporter";
                var ratio = exporter ? $"**{N(s.MedianRatio, "F2")}**" : "1 (baseline)";
                // A paced stream's rate is the pace: only its CPU and losses compare.
                var rate = exporter && s.PacedRate is null ? $"**{N(s.MedianRate(consumer) / TheirRate, "F1")}**" : "";
                var cpu = exporter ? $"**{N(TheirCpuMicroseconds / s.MedianCpu(consumer), "F1")}**" : "";
                md.AppendLine($"| {name} ({N(s.Events)} events, {N(s.Messages)} messages) | {(exporter ? "exporter" : "bare subscriber")} | {N(s.MedianRate(consumer))} | {ratio} | " +
                    $"{N(s.MedianCpu(consumer), "F1")} | {N(s.MedianPeakRss(consumer) / 1048576.0, "F0")} MiB | {rate} | {cpu} | {N(s.TotalLost(consumer))} | " +
                    $"{(exporter ? N(s.TotalDropped(consumer)) : "")} |");
            }
        }
        md.AppendLine();
        md.AppendLine($"**Stall**: a fresh exporter, events one a message at {N(r.StallRate)} events/s for 1 s, then the exporter stopped (SIGSTOP) for S");
        md.AppendLine("seconds while the publishing goes on, resumed (SIGCONT), and 3 s more; lost = published - counted. S grows until events are lost.");
        md.AppendLine();
        md.AppendLine("| stall S | published | counted | lost | reconnects (cut off by Redis) | messages dropped by the exporter's buffer |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var s in r.Stalls) md.AppendLine($"| {N(s.Seconds)} s | {N(s.Published)} | {N(s.Counted)} | {N(s.Lost)} | {N(s.Reconnects)} | {N(s.Dropped)} |");
        md.AppendLine();
        var safe = r.Stalls.Where(s => s.Lost == 0).Select(s => s.Seconds).DefaultIfEmpty(0).Max();
        var lossy = r.Stalls.FirstOrDefault(s => s.Lost > 0);
        md.AppendLine($"The largest stall that lost nothing at {N(r.StallRate)} events/s: **{N(safe)} s**" +
            (lossy is null ? " (no stall tried lost events)." : $"; the first that lost events: {N(lossy.Seconds)} s."));
        md.AppendLine();
        md.AppendLine("Rounds:");
        md.AppendLine();
        md.AppendLine("| stream | round | consumer | published | counted | timed | seconds | events/s | µs CPU per event | peak RSS | dropped by its buffer |");
        md.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in new[] { r.OneAMessage, r.Lists, r.Paced })
        {
            foreach (var run in s.Runs)
            {
                md.AppendLine($"| {s.Label} | {run.Round + 1} | {run.Consumer} | {N(run.Published)} | {N(run.Counted)} | {N(run.Timed)} | {N(run.Seconds, "F2")} | " +
                    $"{N(run.EventsPerSecond)} | {N(run.CpuMicrosecondsPerEvent, "F1")} | {N(run.PeakRssBytes / 1048576.0, "F0")} MiB | {(run.Consumer == "exporter" ? N(run.Dropped) : "")} |");
            }
        }
        md.AppendLine();
        md.AppendLine($"Load average: one event a message `{r.OneAMessage.LoadBefore}` -> `{r.OneAMessage.LoadAfter}`; task.multi x 24 `{r.Lists.LoadBefore}` -> `{r.Lists.LoadAfter}`; " +
            $"paced `{r.Paced.LoadBefore}` -> `{r.Paced.LoadAfter}`.");
        md.AppendLine();
    }
}
