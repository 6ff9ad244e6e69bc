using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;
using JobExporter.Hangfire;
using JobExporter.MassTransit;
using JobExporter.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace JobExporter.Benchmarks;

/// <summary>How the emitter's events go: to a running node, to a closed port, or no emitter at all.</summary>
internal enum EmitterVariant
{
    None,
    BrokerUp,
    BrokerDown,
}

internal sealed record HangfireRun(EmitterVariant Variant, int Round, int Jobs, double MedianMicros, double P99Micros, double LongestCallMs,
    double JobsPerSecond, long Published, long Dropped);

internal sealed record MassTransitRun(EmitterVariant Variant, int Round, int Messages, double ConsumeMedianMicros, double ConsumeP99Micros,
    double SendMedianMicros, double SendP99Micros);

internal sealed record EmitterResult(IReadOnlyList<HangfireRun> Hangfire, IReadOnlyList<MassTransitRun> MassTransit, string Load);

/// <summary>
/// Per-job cost of the emitters, measured the way their own tests measure it. Hangfire: every hook call of the
/// emitter's filters is timed (the filters are wrapped, as the Hangfire tests' TimingFilter does) and summed per
/// job; also the wall time of a 4-worker server draining the backlog, against a server without the emitter.
/// MassTransit: a backlog consumed one message at a time on the in-memory transport, median and p99 of the gap
/// between two consumed messages, with and without the emitter (as its OverheadTests do), and the send time.
/// Broker up: events go to the benchmark's node. Broker down: to a closed port (the publisher buffers and drops).
/// </summary>
internal sealed class EmitterBenchmarks(Uri broker, TextWriter log)
{
    private readonly Uri _closed = new($"amqp://guest:guest@127.0.0.1:{FreePort.Next()}/");

    public async Task<EmitterResult> RunAsync(int hangfireJobs, int messages, int rounds)
    {
        var hangfire = new List<HangfireRun>();
        var massTransit = new List<MassTransitRun>();
        await HangfireAsync(EmitterVariant.BrokerUp, hangfireJobs / 4, -1); // warm-up: JIT and caches
        await MassTransitAsync(EmitterVariant.None, messages / 4, -1);
        await MassTransitAsync(EmitterVariant.BrokerUp, messages / 4, -1);
        EmitterVariant[] variants = [EmitterVariant.None, EmitterVariant.BrokerUp, EmitterVariant.BrokerDown];
        for (var round = 0; round < rounds; round++)
        {
            // Rotate the order each round, so that the machine's drift falls on every variant.
            foreach (var variant in variants.Skip(round % 3).Concat(variants.Take(round % 3)))
            {
                var h = await HangfireAsync(variant, hangfireJobs, round);
                hangfire.Add(h);
                log.WriteLine($"  hangfire {variant,-10} round {round + 1}: median {h.MedianMicros:F1} us/job, p99 {h.P99Micros:F1} us/job, " +
                    $"{h.JobsPerSecond:N0} jobs/s, published {h.Published}, dropped {h.Dropped}");
                var m = await MassTransitAsync(variant, messages, round);
                massTransit.Add(m);
                log.WriteLine($"  masstransit {variant,-10} round {round + 1}: consume gap median {m.ConsumeMedianMicros:F1} us, p99 {m.ConsumeP99Micros:F1} us; " +
                    $"send median {m.SendMedianMicros:F1} us, p99 {m.SendP99Micros:F1} us");
            }
        }
        return new EmitterResult(hangfire, massTransit, ProcStats.LoadAverage());
    }

    private async Task<HangfireRun> HangfireAsync(EmitterVariant variant, int jobs, int round)
    {
        var filters = new JobFilterCollection { new AutomaticRetryAttribute { Attempts = 0 } };
        var provider = new JobFilterProviderCollection(filters, new JobFilterAttributeFilterProvider());
        var calls = new ConcurrentBag<(string JobId, long Ticks)>();
        JobExporterEmitter? emitter = null;
        if (variant != EmitterVariant.None)
        {
            emitter = new JobExporterEmitter(new JobExporterHangfireOptions
            {
                BrokerUrl = variant == EmitterVariant.BrokerUp ? broker : _closed,
                Hostname = "bench-hangfire",
                BufferCapacity = variant == EmitterVariant.BrokerUp ? 100_000 : 100,
                FlushTimeout = TimeSpan.FromMilliseconds(variant == EmitterVariant.BrokerUp ? 5000 : 200),
            });
            // The emitter's own filters, in its own order, each wrapped in a timer.
            var scratch = new JobFilterCollection();
            emitter.InstallFilters(scratch);
            var registrations = scratch.Select(f => (f.Instance, f.Order)).ToList();
            emitter.RemoveFilters();
            foreach (var (instance, order) in registrations) filters.Add(new TimingFilter(instance, calls), order);
        }
        using var storage = new InMemoryStorage();
        var client = new BackgroundJobClient(storage, provider);
        for (var i = 0; i < jobs; i++) client.Enqueue(() => BenchJobs.Noop());
        var monitoring = storage.GetMonitoringApi();
        var clock = Stopwatch.StartNew();
        BenchJobs.Reset();
        using (new BackgroundJobServer(new BackgroundJobServerOptions
        {
            Queues = ["default"],
            WorkerCount = 4,
            FilterProvider = provider,
            ServerName = $"bench-{Guid.NewGuid():N}",
        }, storage, emitter is null ? [] : [emitter.WorkerProcess]))
        {
            while (monitoring.SucceededListCount() < jobs)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"hangfire: {monitoring.SucceededListCount()} of {jobs} jobs");
                await Task.Delay(5);
            }
        }
        // Throughput from the first job performed to the last: server start-up and polling are left out.
        var seconds = BenchJobs.Span;
        long published = 0, dropped = 0;
        if (emitter is not null)
        {
            await emitter.DisposeAsync();
            published = emitter.Published;
            dropped = emitter.Dropped;
        }
        var perJob = calls.GroupBy(c => c.JobId).Select(g => Micros(g.Sum(c => c.Ticks))).ToList();
        return new HangfireRun(variant, round, jobs,
            perJob.Count == 0 ? 0 : Stats.Median(perJob), perJob.Count == 0 ? 0 : Stats.Percentile(perJob, 0.99),
            calls.IsEmpty ? 0 : calls.Max(c => c.Ticks) * 1000.0 / Stopwatch.Frequency, (jobs - 1) / seconds, published, dropped);
    }

    private async Task<MassTransitRun> MassTransitAsync(EmitterVariant variant, int messages, int round)
    {
        var batch = $"bench-{Guid.NewGuid().ToString("N")[..8]}";
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CountingConsumer.Gates[batch] = gate;
        var services = new ServiceCollection();
        services.AddMassTransit(x =>
        {
            x.AddConsumer<CountingConsumer>();
            if (variant != EmitterVariant.None)
            {
                x.AddJobExporter(o =>
                {
                    o.BrokerUrl = variant == EmitterVariant.BrokerUp ? broker : _closed;
                    o.Hostname = batch;
                    o.BufferCapacity = variant == EmitterVariant.BrokerUp ? 100_000 : 100;
                });
            }
            x.UsingInMemory((context, cfg) =>
            {
                if (variant != EmitterVariant.None) cfg.UseJobExporter(context);
                cfg.ReceiveEndpoint(batch, e =>
                {
                    e.ConcurrentMessageLimit = 1;
                    e.PrefetchCount = 1;
                    e.ConfigureConsumer<CountingConsumer>(context);
                });
            });
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{batch}"));
            var sends = new double[messages];
            for (var i = 0; i < messages; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await endpoint.Send(new CountMe(batch));
                sends[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
            gate.SetResult();
            var clock = Stopwatch.StartNew();
            while (CountingConsumer.Count(batch) < messages)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"masstransit: {CountingConsumer.Count(batch)} of {messages}");
                await Task.Delay(5);
            }
            var times = CountingConsumer.Batches[batch].ToArray();
            var gaps = times.Zip(times.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMicroseconds).ToList();
            return new MassTransitRun(variant, round, times.Length, Stats.Median(gaps), Stats.Percentile(gaps, 0.99),
                Stats.Median(sends), Stats.Percentile(sends, 0.99));
        }
        finally
        {
            await bus.StopAsync();
            CountingConsumer.Gates.TryRemove(batch, out _);
            CountingConsumer.Batches.TryRemove(batch, out _);
        }
    }

    private static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}

/// <summary>The Hangfire job of the benchmark: nothing, so that what is measured is Hangfire and the emitter.</summary>
public static class BenchJobs
{
    private static long _first, _last;

    /// <summary>Seconds from the first job performed to the last, since <see cref="Reset"/>.</summary>
    public static double Span => (Volatile.Read(ref _last) - Volatile.Read(ref _first)) / (double)Stopwatch.Frequency;

    public static void Reset()
    {
        Volatile.Write(ref _first, 0);
        Volatile.Write(ref _last, 0);
    }

    public static void Noop()
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _first, now, 0);
        long last;
        while ((last = Volatile.Read(ref _last)) < now && Interlocked.CompareExchange(ref _last, now, last) != last)
        {
        }
    }
}

public sealed record CountMe(string Batch);

/// <summary>Counts what it consumed per batch, and when; a gate holds a batch until its backlog is built.</summary>
public sealed class CountingConsumer : IConsumer<CountMe>
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<long>> Batches = new();
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    public async Task Consume(ConsumeContext<CountMe> context)
    {
        if (Gates.TryGetValue(context.Message.Batch, out var gate)) await gate.Task;
        Batches.GetOrAdd(context.Message.Batch, _ => new ConcurrentQueue<long>()).Enqueue(Stopwatch.GetTimestamp());
    }

    public static int Count(string batch) => Batches.TryGetValue(batch, out var times) ? times.Count : 0;
}

/// <summary>Wraps one of the emitter's Hangfire filters and times every hook call, keyed by job id (as in the Hangfire tests).</summary>
internal sealed class TimingFilter(object inner, ConcurrentBag<(string JobId, long Ticks)> calls)
    : IClientFilter, IServerFilter, IElectStateFilter, IApplyStateFilter
{
    public void OnCreating(CreatingContext context) => Time(null, () => (inner as IClientFilter)?.OnCreating(context));

    public void OnCreated(CreatedContext context) => Time(context.BackgroundJob?.Id, () => (inner as IClientFilter)?.OnCreated(context));

    public void OnPerforming(PerformingContext context) => Time(context.BackgroundJob.Id, () => (inner as IServerFilter)?.OnPerforming(context));

    public void OnPerformed(PerformedContext context) => Time(context.BackgroundJob.Id, () => (inner as IServerFilter)?.OnPerformed(context));

    public void OnStateElection(ElectStateContext context) => Time(context.BackgroundJob.Id, () => (inner as IElectStateFilter)?.OnStateElection(context));

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction) =>
        Time(context.BackgroundJob.Id, () => (inner as IApplyStateFilter)?.OnStateApplied(context, transaction));

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction) =>
        Time(context.BackgroundJob.Id, () => (inner as IApplyStateFilter)?.OnStateUnapplied(context, transaction));

    private void Time(string? jobId, Action call)
    {
        var start = Stopwatch.GetTimestamp();
        call();
        if (jobId is not null) calls.Add((jobId, Stopwatch.GetTimestamp() - start));
    }
}
