using JobExporter.Aggregation;
using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;
using JobExporter.Testing;
using Microsoft.Extensions.Time.Testing;

namespace JobExporter.Tests;

/// <summary>The exporter's aggregation without the broker or HTTP: events in, /metrics text out, on a fake clock.</summary>
internal sealed class TestExporter
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    public TestExporter(Func<ExporterOptions, ExporterOptions>? configure = null, params string[] args)
    {
        var options = OptionsReader.Read(FlagValues.Read(args, new Dictionary<string, string?>()), "testhost");
        Options = configure is null ? options : configure(options);
        Time = new FakeTimeProvider(Start);
        Metrics = new ExporterMetrics(Options, "test", time: Time);
        Queues = new QueueRegistry(Options.RabbitMqQueues, Options.MaxLabelValues);
        Applier = EventApplier.Create(Options, Metrics, Queues, Time, WorkerLog);
        Parser = new EventParser(Options.ParserLimits);
    }

    public ExporterOptions Options { get; }
    public FakeTimeProvider Time { get; }
    public ExporterMetrics Metrics { get; }
    public QueueRegistry Queues { get; }
    public EventApplier Applier { get; }
    public EventParser Parser { get; }

    /// <summary>What the worker tracker logged (workers coming up and going down).</summary>
    public CapturingLogger<WorkerTracker> WorkerLog { get; } = new();

    public double Now => Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    public void Apply(params JobEvent[] events)
    {
        foreach (var e in events) Applier.OnEvent(e);
    }

    public void Receive(string body) => Parser.Parse(System.Text.Encoding.UTF8.GetBytes(body), Applier);

    public void Receive(byte[] body) => Parser.Parse(body, Applier);

    /// <summary>Moves the fake clock and runs the liveness timer, as the real timer would every second.</summary>
    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        Applier.Tick();
    }

    public MetricsSnapshot Scrape() => MetricsSnapshot.Parse(Metrics.RenderAsync().GetAwaiter().GetResult());

    private int _ids;

    public JobEvent Job(EventType type, string name = "InvoiceJob.Send", string queue = "default", string host = "worker-1",
        string system = "hangfire") => new()
    {
        Type = type,
        Id = $"e{++_ids}",
        Ts = Now,
        System = system,
        Hostname = host,
        Name = name,
        Queue = queue,
    };

    public JobEvent Worker(EventType type, string host = "worker-1", string system = "hangfire", double interval = 10, int? active = null,
        long? dropped = null) => new()
    {
        Type = type,
        Id = $"e{++_ids}",
        Ts = Now,
        System = system,
        Hostname = host,
        Interval = interval,
        Active = active ?? (type == EventType.WorkerHeartbeat ? 0 : null),
        Dropped = dropped,
    };
}
