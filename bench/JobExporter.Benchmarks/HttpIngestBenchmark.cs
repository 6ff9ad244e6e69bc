using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

/// <summary>The exporter's ingest over HTTP against its ingest from RabbitMQ: the same batches, rounds interleaved.</summary>
internal sealed record HttpIngestResult(string Label, long Events, int EventsPerMessage, int Messages, int Senders, IReadOnlyList<IngestRun> Runs,
    long Refused, string LoadBefore, string LoadAfter)
{
    public const string Http = "HTTP";
    public const string RabbitMq = "RabbitMQ";

    public IReadOnlyList<IngestRun> Of(string path) => Runs.Where(r => r.Consumer == path).ToList();
    public double MedianRate(string path) => Stats.Median(Of(path).Select(r => r.EventsPerSecond));
    public double MedianCpuMicrosPerEvent(string path) => Stats.Median(Of(path).Select(r => r.CpuSecondsPerMillion));
    public double MedianPeakRss(string path) => Stats.Median(Of(path).Select(r => (double)r.PeakRssBytes));

    /// <summary>HTTP's rate over RabbitMQ's, per round (both measured back to back), then the median.</summary>
    public double MedianRatio => Stats.Median(Runs.GroupBy(r => r.Round).Select(g =>
        g.Single(r => r.Consumer == Http).EventsPerSecond / g.Single(r => r.Consumer == RabbitMq).EventsPerSecond));
}

/// <summary>
/// The real exporter binary ingesting the same message bodies two ways. <b>RabbitMQ</b>: as the ingest part measures it,
/// the bodies pre-published to the exporter's durable queue, then the exporter started to drain it. <b>HTTP</b>: an
/// exporter started with <c>--web.enable-ingest</c> and no broker, then the same bodies posted to
/// <c>/api/v1/events</c> by <see cref="Senders"/> senders at once (the endpoint's own limit of bodies read at once), each
/// posting its next body when the last was answered, as an emitter's batches are. Both are timed the same way, from the
/// exporter's own count (<see cref="IngestBenchmark.MeasureAsync"/>); CPU and peak RSS are the exporter process's.
/// </summary>
internal sealed class HttpIngestBenchmark(Broker broker, TextWriter log)
{
    /// <summary>Posts in flight at once: the exporter reads and applies at most this many bodies at once.</summary>
    public const int Senders = 4;

    public async Task<HttpIngestResult> RunAsync(string label, IReadOnlyList<byte[]> messages, long events, int eventsPerMessage, int rounds)
    {
        var loadBefore = ProcStats.LoadAverage();
        var queue = $"bench.http-{label}.exporter";
        // The exporter declares its own queue: start it once, wait until it consumes, stop it.
        await using (var declare = await ExporterConsumer.StartWithArgsAsync(ExporterConsumer.Program, null, broker.Url, ["--broker.queue", queue]))
        {
            await declare.Process.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), "the exporter to connect");
        }
        var runs = new List<IngestRun>();
        long refused = 0;
        for (var round = 0; round < rounds; round++)
        {
            // ABBA order, so that drift in the machine's load falls on both sides.
            foreach (var http in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                IngestRun run;
                if (http)
                {
                    (run, var notOk) = await HttpRoundAsync(messages, events, round);
                    refused += notOk;
                }
                else
                {
                    await broker.FillAsync(queue, messages);
                    await using var consumer = await ExporterConsumer.StartWithArgsAsync(ExporterConsumer.Program, null, broker.Url, ["--broker.queue", queue]);
                    run = await IngestBenchmark.MeasureAsync(consumer, round, events) with { Consumer = HttpIngestResult.RabbitMq };
                    await broker.PurgeAsync(queue);
                }
                runs.Add(run);
                log.WriteLine($"  ingest {label} round {round + 1}/{rounds} {run.Consumer,-8}: {run.EventsPerSecond,12:N0} events/s, " +
                    $"{run.CpuSecondsPerMillion:F2} CPU µs per event, peak RSS {run.PeakRssBytes / 1048576.0:F0} MiB, {run.Seconds:F3} s, " +
                    $"end within {run.EndBracketMs:F1} ms, {run.Samples} samples (load {ProcStats.LoadAverage1():F2})");
            }
        }
        return new HttpIngestResult(label, events, eventsPerMessage, messages.Count, Senders, runs, refused, loadBefore, ProcStats.LoadAverage());
    }

    private static async Task<(IngestRun Run, long Refused)> HttpRoundAsync(IReadOnlyList<byte[]> messages, long events, int round)
    {
        var port = FreePort.Next();
        string[] flags = ["--web.listen-address", $"127.0.0.1:{port}", "--web.enable-ingest"];
        await using var consumer = new ExporterConsumer(await ExporterProcess.StartWithArgsAsync(port, flags, ExporterConsumer.ExtraEnvironment(), ExporterConsumer.Program));
        var ingest = new Uri(consumer.Process.BaseUrl, "api/v1/events");
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Senders, UseProxy = false });
        long refused = 0;
        var next = -1;
        async Task SendAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < messages.Count)
            {
                // What the exporter cannot take now (503 while its slots are busy) is sent again, as an emitter would.
                while (true)
                {
                    using var content = new ByteArrayContent(messages[i]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var response = await client.PostAsync(ingest, content);
                    if (response.StatusCode == HttpStatusCode.OK) break;
                    Interlocked.Increment(ref refused);
                    if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.RequestTimeout))
                    {
                        throw new InvalidOperationException($"the exporter answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }
                }
            }
        }
        var senders = Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(SendAsync)));
        var run = await IngestBenchmark.MeasureAsync(consumer, round, events);
        await senders;
        return (run with { Consumer = HttpIngestResult.Http }, refused);
    }

    private static string N(double v, string format = "N0") => v.ToString(format, CultureInfo.InvariantCulture);
    private static string MiB(double bytes) => N(bytes / 1048576.0, "N1") + " MiB";

    public static void Render(StringBuilder md, IReadOnlyList<HttpIngestResult> results)
    {
        if (results.Count == 0) return;
        md.AppendLine("## Ingest over HTTP");
        md.AppendLine();
        md.AppendLine("The exporter binary the image ships ingesting the same message bodies (the Ingest part's mix) two ways, rounds");
        md.AppendLine("interleaved. **RabbitMQ**: as in Ingest, the bodies pre-published to the exporter's durable queue, then the exporter");
        md.AppendLine("started to drain it. **HTTP**: an exporter started with `--web.enable-ingest` and no broker, then the same bodies posted to");
        md.AppendLine($"`/api/v1/events` by {HttpIngestBenchmark.Senders} senders in this process (the endpoint reads at most {HttpIngestBenchmark.Senders} bodies at once), each posting its");
        md.AppendLine("next body when the last was answered 200 (applied). Both are timed as in Ingest, from the exporter's scraped count and");
        md.AppendLine("its own clock, from a tenth of the events to the last. CPU µs per event and peak RSS (`VmHWM`) are the exporter");
        md.AppendLine("process's; the senders' and RabbitMQ's own CPU are not in them.");
        md.AppendLine();
        md.AppendLine("Target: HTTP >= RabbitMQ's events/s for the same batches.");
        md.AppendLine();
        md.AppendLine("| stream | path | events/s (median) | ratio HTTP / RabbitMQ | CPU µs per event | peak RSS | rounds |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var stream = r.EventsPerMessage == 1 ? $"{N(r.Events)} events, 1 a message" : $"{N(r.Events)} events, {r.EventsPerMessage} a message ({N(r.Messages)} messages)";
            foreach (var path in new[] { HttpIngestResult.Http, HttpIngestResult.RabbitMq })
            {
                md.AppendLine($"| {stream} | {path} | {N(r.MedianRate(path))} | {(path == HttpIngestResult.Http ? "**" + N(r.MedianRatio, "F2") + "**" : "1 (baseline)")} | " +
                    $"{N(r.MedianCpuMicrosPerEvent(path), "F2")} | {MiB(r.MedianPeakRss(path))} | {r.Of(path).Count} |");
            }
        }
        md.AppendLine();
        md.AppendLine($"Posts refused and sent again (503 while busy, 408): {string.Join("; ", results.Select(r => $"{r.Label} {N(r.Refused)}"))}.");
        md.AppendLine();
        md.AppendLine("Every round:");
        md.AppendLine();
        Report.RenderRounds(md, results.Select(r => (r.Label, new IngestResult(r.Label, r.Events, r.EventsPerMessage, r.Messages, r.Runs, r.LoadBefore, r.LoadAfter))));
        md.AppendLine($"Load average: {string.Join("; ", results.Select(r => $"{r.Label} `{r.LoadBefore}` -> `{r.LoadAfter}`"))}.");
        md.AppendLine();
    }
}
