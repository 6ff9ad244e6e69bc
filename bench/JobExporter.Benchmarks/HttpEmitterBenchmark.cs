using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hangfire;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.Server;
using Hangfire.States;
using JobExporter.Hangfire;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

/// <summary>Where the Hangfire emitter's events go in <see cref="HttpEmitterBenchmark"/>.</summary>
internal enum HttpEmitterVariant
{
    /// <summary>No emitter: the baseline.</summary>
    None,

    /// <summary>ExporterUrl: posted straight to the real exporter binary's ingest endpoint.</summary>
    Http,

    /// <summary>BrokerUrl: through the RabbitMQ node to the same exporter binary, consuming its own queue.</summary>
    RabbitMq,
}

/// <param name="ExporterCpuMicrosPerJob">The exporter process's CPU from the first enqueue until every event was acknowledged, per job.</param>
internal sealed record HttpHangfireRun(HttpEmitterVariant Variant, int Round, int Jobs, double JobsPerSecond, long Published, long Dropped,
    double ProcessCpuMicrosPerJob, double ExporterCpuMicrosPerJob);

internal sealed record HttpEmitterResult(IReadOnlyList<HttpHangfireRun> Runs, long ExporterEvents, long ExpectedEvents, string LoadBefore, string LoadAfter)
{
    public IEnumerable<HttpHangfireRun> Of(HttpEmitterVariant variant) => Runs.Where(r => r.Variant == variant);

    /// <summary>The variant's rate over the no-emitter rate of the same round, per round.</summary>
    public IReadOnlyList<double> Ratios(HttpEmitterVariant variant) => Runs.Where(r => r.Variant == variant)
        .Select(r => r.JobsPerSecond / Runs.Single(b => b.Round == r.Round && b.Variant == HttpEmitterVariant.None).JobsPerSecond).ToList();
}

/// <summary>
/// The Hangfire emitter with the HTTP transport, as the emitter part measures it with RabbitMQ (<see cref="EmitterBenchmarks"/>:
/// the same no-op jobs on in-memory storage, 4 workers, Hangfire's default filters, the emitter installed as a user
/// installs it, throughput from the first job performed to the last, the backlog's job-sent events out before the server
/// starts), but with a real receiver: the exporter binary the image ships, started once with <c>--web.enable-ingest</c>
/// and its own RabbitMQ queue, on the same 2 cores. Variants rotate each round; ratios are taken within a round.
/// </summary>
internal sealed class HttpEmitterBenchmark(Uri broker, TextWriter log)
{
    private const string WorkerThreads = "Worker #";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public async Task<HttpEmitterResult> RunAsync(int jobs, int rounds)
    {
        var loadBefore = ProcStats.LoadAverage();
        var port = FreePort.Next();
        string[] flags = ["--broker.url", broker.ToString(), "--broker.queue", "bench.http-emitter.exporter", "--web.listen-address", $"127.0.0.1:{port}",
            "--web.enable-ingest", "--systems", "hangfire"];
        await using var exporter = await ExporterProcess.StartWithArgsAsync(port, flags, ExporterConsumer.ExtraEnvironment(), ExporterConsumer.Program);
        await exporter.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), "the exporter to consume its queue");
        var runs = new List<HttpHangfireRun>();
        long expected = 0;
        // Warm-up: JIT and caches, for every variant alike.
        foreach (var variant in Enum.GetValues<HttpEmitterVariant>())
        {
            var warm = await HangfireAsync(variant, jobs / 2, -1, exporter);
            expected += warm.Published;
        }
        HttpEmitterVariant[] variants = Enum.GetValues<HttpEmitterVariant>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var variant in variants.Skip(round % variants.Length).Concat(variants.Take(round % variants.Length)))
            {
                var run = await HangfireAsync(variant, jobs, round, exporter);
                runs.Add(run);
                expected += run.Published;
                log.WriteLine($"  hangfire {variant,-8} round {round + 1}: {run.JobsPerSecond:N0} jobs/s, CPU per job {run.ProcessCpuMicrosPerJob:F1} us here " +
                    $"+ {run.ExporterCpuMicrosPerJob:F1} us exporter, acknowledged {run.Published}, dropped {run.Dropped} (load {ProcStats.LoadAverage1():F2})");
            }
        }
        // Every event acknowledged over either transport is in the exporter's count, once.
        var page = await Scraper.GetAsync(exporter.MetricsUrl);
        return new HttpEmitterResult(runs, page.EventsApplied, expected, loadBefore, ProcStats.LoadAverage());
    }

    private JobExporterHangfireOptions Options(HttpEmitterVariant variant, ExporterProcess exporter)
    {
        var options = new JobExporterHangfireOptions { Hostname = "bench-hangfire-http", FlushTimeout = TimeSpan.FromSeconds(30) };
        if (variant == HttpEmitterVariant.Http) options.ExporterUrl = exporter.BaseUrl;
        else options.BrokerUrl = broker;
        return options;
    }

    private async Task<HttpHangfireRun> HangfireAsync(HttpEmitterVariant variant, int jobs, int round, ExporterProcess exporter)
    {
        var filters = HangfireBenchServer.DefaultFilters();
        var provider = new JobFilterProviderCollection(filters, new JobFilterAttributeFilterProvider());
        JobExporterEmitter? emitter = null;
        if (variant != HttpEmitterVariant.None)
        {
            emitter = new JobExporterEmitter(Options(variant, exporter));
            emitter.InstallFilters(filters);
            // HTTP opens nothing before the first post: a heartbeat-free warm-up post is what shows the exporter answers.
            await WaitAsync(() => emitter.IsConnected, "the emitter to reach its destination");
        }
        using var storage = new InMemoryStorage();
        var client = new BackgroundJobClient(storage, provider);
        var cpu = ProcStats.CpuSeconds(Environment.ProcessId);
        var exporterCpu = ProcStats.CpuSeconds(exporter.ProcessId);
        for (var i = 0; i < jobs; i++) client.Enqueue(() => BenchJobs.Noop());
        if (emitter is not null) await WaitAsync(() => emitter.Published >= jobs, "the backlog's job-sent events to be acknowledged");
        BenchJobs.Reset();
        await HangfireBenchServer.RunUntilSucceededAsync(storage, provider, emitter is null ? [] : [emitter.WorkerProcess], jobs);
        var seconds = BenchJobs.Span;
        long published = 0, dropped = 0;
        if (emitter is not null)
        {
            // Disposing flushes: every event is acknowledged before the CPU is read.
            await emitter.DisposeAsync();
            published = emitter.Published;
            dropped = emitter.Dropped;
        }
        return new HttpHangfireRun(variant, round, jobs, (jobs - 1) / seconds, published, dropped,
            (ProcStats.CpuSeconds(Environment.ProcessId) - cpu) * 1e6 / jobs, (ProcStats.CpuSeconds(exporter.ProcessId) - exporterCpu) * 1e6 / jobs);
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience) throw new TimeoutException($"waited {Patience} for {what}");
            await Task.Delay(5);
        }
    }

    private static string N(double v, string format = "N0") => v.ToString(format, CultureInfo.InvariantCulture);

    public static void Render(StringBuilder md, HttpEmitterResult? r)
    {
        if (r is null) return;
        md.AppendLine("## Hangfire emitter over HTTP");
        md.AppendLine();
        md.AppendLine($"The Hangfire part of Emitter overhead ({N(r.Runs.FirstOrDefault()?.Jobs ?? 0)} no-op jobs a round, in-memory storage, 4 workers, Hangfire's");
        md.AppendLine("default filters, jobs/s from the first job performed to the last, the backlog's job-sent events acknowledged before the");
        md.AppendLine("server starts), with a real receiver: the exporter binary the image ships, one process for the whole part, started");
        md.AppendLine("with `--web.enable-ingest` and a queue of its own on the benchmark's RabbitMQ node, on the same 2 cores. **HTTP**:");
        md.AppendLine("`ExporterUrl` = the exporter (a batch is acknowledged when the exporter has applied it). **RabbitMQ**: `BrokerUrl` = the");
        md.AppendLine("node (acknowledged when the broker confirmed it; the exporter consumes it from its queue). Variants rotate each round;");
        md.AppendLine("the ratio is taken within a round, then the median. CPU per job: this process and the exporter process, from the first");
        md.AppendLine("enqueue until the emitter has flushed (RabbitMQ's own CPU is not in it).");
        md.AppendLine();
        md.AppendLine("Target: HTTP >= 0.8x no emitter.");
        md.AppendLine();
        md.AppendLine("| variant | jobs/s (median) | ratio vs no emitter | rounds' ratios | CPU per job here | exporter CPU per job | acknowledged | dropped | rounds |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var variant in Enum.GetValues<HttpEmitterVariant>())
        {
            var runs = r.Of(variant).ToList();
            var ratios = r.Ratios(variant);
            var name = variant switch
            {
                HttpEmitterVariant.None => "no emitter (baseline)",
                HttpEmitterVariant.Http => "emitter, HTTP to the exporter",
                _ => "emitter, RabbitMQ to the exporter",
            };
            md.AppendLine($"| {name} | {N(Stats.Median(runs.Select(x => x.JobsPerSecond)))} | " +
                $"{(variant == HttpEmitterVariant.None ? "1 (baseline)" : "**" + N(Stats.Median(ratios), "F2") + "**")} | " +
                $"{(variant == HttpEmitterVariant.None ? "-" : $"{N(ratios.Min(), "F2")}–{N(ratios.Max(), "F2")}")} | " +
                $"{N(Stats.Median(runs.Select(x => x.ProcessCpuMicrosPerJob)), "F1")} µs | {N(Stats.Median(runs.Select(x => x.ExporterCpuMicrosPerJob)), "F1")} µs | " +
                $"{N(runs.Sum(x => x.Published))} | {N(runs.Sum(x => x.Dropped))} | {runs.Count} |");
        }
        md.AppendLine();
        md.AppendLine($"The exporter counted {N(r.ExporterEvents)} events, the emitters had {N(r.ExpectedEvents)} acknowledged (warm-up rounds included). " +
            $"Load `{r.LoadBefore}` -> `{r.LoadAfter}`.");
        md.AppendLine();
    }
}
