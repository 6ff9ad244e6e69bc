using BenchmarkDotNet.Attributes;
using JobExporter.Aggregation;
using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;

namespace JobExporter.Benchmarks;

/// <summary>
/// The exporter's per-event path without the broker: parsed bytes to updated metric, for series that already
/// exist (a warm-up pass creates every series first). Every event has its own id, as on the wire, and the id ring
/// (200,000) is longer than the de-duplication window (100,000), so no event is ever taken for a duplicate.
/// The parts are measured apart too, to tell where time and allocations go.
/// </summary>
[MemoryDiagnoser]
public class ApplyBenchmarks
{
    private const int Ring = 200_000;

    private EventParser _parser = null!;
    private EventApplier _applier = null!;
    private ExporterMetrics _metrics = null!;
    private EventApplier _applierNoDedup = null!;
    private NullSink _null = null!;
    private byte[][] _succeeded = null!;
    private byte[][] _mix = null!;
    private byte[][] _batches = null!;
    private JobEvent[] _mixEvents = null!;
    private int _next;
    private int _nextBatch;

    [GlobalSetup]
    public void Setup()
    {
        (_applier, _metrics) = NewApplier([]);
        (_applierNoDedup, _) = NewApplier(["--events.dedup-window", "0"]);
        _parser = new EventParser { KeepJobIds = false };
        _null = new NullSink();
        var workload = new Workload();
        _mixEvents = [.. workload.Mix(Ring)];
        _mix = [.. _mixEvents.Select(EventJson.Serialize)];
        var one = new Workload(names: 1, hosts: 1, seed: 3);
        _succeeded = [.. one.Mix(Ring).Select(e => e with { Type = EventType.JobSucceeded, Runtime = e.Runtime ?? 0.25, Name = Workload.Name(0), Queue = one.Queue(0), Hostname = Workload.Host(0), Exception = null, Wait = null, Active = null, Interval = null, Dropped = null })
            .Select(EventJson.Serialize)];
        _batches = [.. Workload.Messages(new Workload(seed: 11).Mix(Ring), 100)];
        // Warm-up: every series exists before measuring, on both appliers.
        foreach (var e in new Workload(seed: 5).EverySeries()) { _applier.OnEvent(e); _applierNoDedup.OnEvent(e); }
        foreach (var m in _mix) _parser.Parse(m, _applier);
        foreach (var m in _succeeded) _parser.Parse(m, _applier);
    }

    internal static (EventApplier, ExporterMetrics) NewApplier(string[] args)
    {
        var options = OptionsReader.Read(FlagValues.Read(args, new Dictionary<string, string?>()), "benchhost");
        var metrics = new ExporterMetrics(options, "bench");
        var queues = new QueueRegistry(options.RabbitMqQueues, options.MaxLabelValues);
        return (EventApplier.Create(options, metrics, queues, TimeProvider.System), metrics);
    }

    private byte[] Next(byte[][] ring)
    {
        var i = _next;
        _next = i + 1 == Ring ? 0 : i + 1;
        return ring[i];
    }

    [Benchmark(Baseline = true, Description = "parse only (job-succeeded, into a null sink)")]
    public void ParseOnly() => _parser.Parse(Next(_succeeded), _null);

    [Benchmark(Description = "parse + apply job-succeeded, existing series")]
    public void ParseApplySucceeded() => _parser.Parse(Next(_succeeded), _applier);

    [Benchmark(Description = "parse + apply, realistic mix, existing series")]
    public void ParseApplyMix() => _parser.Parse(Next(_mix), _applier);

    [Benchmark(Description = "parse + apply, realistic mix, de-duplication off")]
    public void ParseApplyMixNoDedup() => _parser.Parse(Next(_mix), _applierNoDedup);

    [Benchmark(OperationsPerInvoke = 100, Description = "parse + apply, mix in 100-event batches (per event)")]
    public void ParseApplyBatch()
    {
        var i = _nextBatch;
        _nextBatch = i + 1 == _batches.Length ? 0 : i + 1;
        _parser.Parse(_batches[i], _applier);
    }

    [Benchmark(Description = "apply only (pre-parsed JobEvent), realistic mix")]
    public void ApplyOnlyMix()
    {
        var i = _next;
        _next = i + 1 == Ring ? 0 : i + 1;
        _applier.OnEvent(_mixEvents[i]);
    }

    [Benchmark(Description = "prometheus-net alone: counter.WithLabels(4 labels).Inc()")]
    public void CounterWithLabels() => _metrics.Received.WithLabels(System, Name0, Queue0, Host0).Inc();

    private static readonly string System = SystemNames.Hangfire;
    private static readonly string Name0 = Workload.Name(0);
    private static readonly string Queue0 = new Workload().Queue(0);
    private static readonly string Host0 = Workload.Host(0);

    private sealed class NullSink : IEventSink
    {
        public void OnEvent(JobEvent e)
        {
        }

        public void OnInvalid(string reason) => throw new InvalidOperationException(reason);
    }
}
