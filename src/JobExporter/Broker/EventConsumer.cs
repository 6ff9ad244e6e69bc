using JobExporter.Aggregation;
using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client.Events;

namespace JobExporter.Broker;

/// <summary>
/// Consumes the exporter's durable queue on the events exchange and applies every message. A message is
/// acknowledged only after it is applied (in batches, by <see cref="QueueConsumer"/>), so events published
/// while the exporter is away are counted when it returns; one delivered again after a lost connection is dropped
/// by the event id. Connecting, watching and reconnecting is <see cref="QueueConsumer"/>'s; <c>exporter_broker_connected</c>
/// shows the state meanwhile and /metrics keeps answering.
/// </summary>
internal sealed class EventConsumer(
    ExporterOptions options,
    EventApplier applier,
    ExporterMetrics metrics,
    TimeProvider time,
    ILogger<EventConsumer> logger) : QueueConsumer(options, metrics, metrics.BrokerConnected, time, logger)
{
    private readonly EventParser _parser = new(options.ParserLimits) { KeepJobIds = false };
    private readonly DeliveryEvents _events = new(applier);

    protected override string Purpose => "consumer";

    protected override QueueBinding Binding { get; } = new(options.Exchange, options.Queue, options.BindingKeys, Flags.BrokerQueue);

    protected override int Apply(BasicDeliverEventArgs delivery)
    {
        var before = applier.EventsSeen;
        try
        {
            _parser.Parse(delivery.Body.Span, _events);
        }
        catch (Exception ex)
        {
            // A bug must not stop consumption nor redeliver the same message forever: log it and move on.
            Logger.LogError(ex, "Reading a message failed; the rest of it is skipped");
        }
        // The events read before a failure still count (the applier never throws: it counts an event it fails on as
        // internal_error and goes on).
        _events.Apply();
        return (int)(applier.EventsSeen - before);
    }
}
