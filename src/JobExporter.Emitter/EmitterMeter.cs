using System.Diagnostics.Metrics;

namespace JobExporter.Emitter;

/// <summary>
/// The emitter's health as <see cref="System.Diagnostics.Metrics"/> instruments, on a <see cref="Meter"/> named after
/// the emitter's package (<c>JobExporter.Hangfire</c>, <c>JobExporter.MassTransit</c>), so that an app exporting
/// metrics with OpenTelemetry sees them by adding that meter. All instruments are observable: they are read when
/// a listener collects, so the job's path pays nothing for them.
/// </summary>
internal sealed class EmitterMeter : IDisposable
{
    public const string Published = "jobexporter.emitter.events.published";
    public const string Dropped = "jobexporter.emitter.events.dropped";
    public const string PublishFailures = "jobexporter.emitter.publish.failures";
    public const string HookFailures = "jobexporter.emitter.hook.failures";
    public const string BacklogFailures = "jobexporter.emitter.backlog.failures";
    public const string BufferDepth = "jobexporter.emitter.buffer.depth";
    public const string BrokerConnected = "jobexporter.emitter.broker.connected";
    public const string DestinationPending = "jobexporter.emitter.destination.pending";
    public const string DestinationConnected = "jobexporter.emitter.destination.connected";

    /// <summary>The tag naming the exporter (its URL without credentials) on the per-destination instruments.</summary>
    public const string DestinationTag = "destination";

    private readonly Meter _meter;

    public EmitterMeter(string name, EmitterCore core)
    {
        _meter = new Meter(name, typeof(EmitterMeter).Assembly.GetName().Version?.ToString());
        var publisher = core.Publisher;
        _meter.CreateObservableCounter(Published, () => publisher.Published, "{event}", "Events the broker has confirmed.");
        _meter.CreateObservableCounter(Dropped, () => publisher.Dropped, "{event}",
            "Events dropped because the buffer was full while the broker was slow or away.");
        _meter.CreateObservableCounter(PublishFailures, () => publisher.PublishFailures, "{failure}",
            "Attempts to reach the broker or publish a batch that failed (each is retried).");
        _meter.CreateObservableCounter(HookFailures, () => core.HookFailures, "{failure}",
            "Job-system hook calls that failed inside the emitter (the job was not affected).");
        _meter.CreateObservableCounter(BacklogFailures, () => core.BacklogFailures, "{failure}",
            "Reads of the job storage's backlog that failed or timed out (the jobs were not affected).");
        _meter.CreateObservableUpDownCounter(BufferDepth, () => publisher.Buffered, "{event}", "Events waiting in the buffer now.");
        _meter.CreateObservableGauge(BrokerConnected, () => publisher.IsConnected ? 1 : 0, null,
            "1 while the emitter has a channel open to the broker (with ExporterUrl(s): while every exporter acknowledged its last post), else 0.");
        // With ExporterUrl(s), one measurement per exporter: a slow or absent one shows apart from the others.
        _meter.CreateObservableUpDownCounter(DestinationPending,
            () => publisher.Destinations.Select(d => new Measurement<long>(d.Pending, new KeyValuePair<string, object?>(DestinationTag, d.Name))), "{event}",
            "Events an exporter of ExporterUrl(s) has not acknowledged: in the buffer, in flight to it, or failed by it and waiting to be sent again.");
        _meter.CreateObservableGauge(DestinationConnected,
            () => publisher.Destinations.Select(d => new Measurement<int>(d.Connected ? 1 : 0, new KeyValuePair<string, object?>(DestinationTag, d.Name))), null,
            "1 while an exporter of ExporterUrl(s) acknowledged the last thing posted to it, else 0.");
    }

    public void Dispose() => _meter.Dispose();
}
