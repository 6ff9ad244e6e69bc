using System.Text;
using JobExporter.Contracts;
using JobExporter.IntegrationTests.Celery;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>
/// One exporter reading both a test's own events exchange and its own Celery exchange, with a raw publisher on each,
/// and good marker events: a job-sent named <see cref="OurMarker"/> and a Celery task-sent named <see cref="CeleryMarker"/>.
/// As one consumer applies each queue in order, once an end marker counts on both, everything sent before it was handled.
/// </summary>
internal sealed class BothLanes : IAsyncDisposable
{
    public const string OurMarker = "Marker.Job";
    public const string CeleryMarker = "marker.task";
    private const string End = "End.Job";

    private readonly EventFactory _markers = new("hangfire", "marker-host");
    private long _celeryMarkers;

    private BothLanes(ExporterProcess exporter, RawPublisher ours, CeleryLane celery)
    {
        Exporter = exporter;
        Ours = ours;
        Celery = celery;
    }

    public ExporterProcess Exporter { get; }
    public RawPublisher Ours { get; }
    public CeleryLane Celery { get; }

    public static async Task<BothLanes> StartAsync(Uri broker, string[]? extraArgs = null, IDictionary<string, string>? env = null)
    {
        var lane = EventLane.New();
        var celery = await CeleryLane.OpenAsync(broker);
        await celery.DeclareExporterQueueAsync();
        var port = FreePort.Next();
        var exporter = await ExporterProcess.StartWithArgsAsync(port, ["--broker.url", broker.ToString(), "--web.listen-address", $"127.0.0.1:{port}",
            "--celery.enabled", "--celery.exchange", celery.Exchange, "--celery.queue", celery.Queue, .. lane.ExporterArgs, .. extraArgs ?? []], env);
        await exporter.WaitUntilReadyAsync(Events.Patience);
        return new BothLanes(exporter, await lane.RawPublisherAsync(broker), celery);
    }

    /// <summary>A good event of ours, each with its own id.</summary>
    public string OurMarkerEvent(string name = OurMarker) => Encoding.UTF8.GetString(EventJson.Serialize(_markers.Job(EventType.JobSent, name, "markers")));

    /// <summary>A good Celery task-sent, each with its own uuid.</summary>
    public string CeleryMarkerEvent(string name = CeleryMarker) =>
        $$"""{"hostname": "gen1@marker-host", "utcoffset": 0, "pid": 7, "clock": 1, "uuid": "marker-{{Interlocked.Increment(ref _celeryMarkers)}}", "root_id": null, "parent_id": null, "name": "{{name}}", "args": "()", "kwargs": "{}", "retries": 0, "eta": null, "expires": null, "queue": "markers", "exchange": "", "routing_key": "markers", "timestamp": {{_markers.Now().ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}, "type": "task-sent"}""";

    public static double Count(MetricsSnapshot m, string system, string name) => m.Value("jobs_sent_total", ("system", system), ("name", name)) ?? 0;

    /// <summary>Sends an end marker on each lane and waits until both count: then every message sent before them was handled.</summary>
    public async Task<MetricsSnapshot> WaitForEndMarkersAsync(TimeSpan? patience = null)
    {
        await Ours.PublishAsync(OurMarkerEvent(End));
        await Celery.PublishAsync("task.sent", Encoding.UTF8.GetBytes(CeleryMarkerEvent(End)));
        return await Exporter.WaitForMetricsAsync(m => Count(m, "hangfire", End) == 1 && Count(m, "celery", End) == 1,
            patience ?? Events.Patience, "the end markers on both lanes");
    }

    public async ValueTask DisposeAsync()
    {
        await Ours.DisposeAsync();
        await Celery.DisposeAsync();
        await Exporter.DisposeAsync();
    }
}
