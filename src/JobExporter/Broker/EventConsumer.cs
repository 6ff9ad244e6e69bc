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
/// by the event id. Messages are parsed on the client's dispatcher and applied, in order, by <see cref="ApplyLoop"/>.
/// Connecting, watching and reconnecting is <see cref="QueueConsumer"/>'s; <c>exporter_broker_connected</c>
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
    private readonly Lock _parsing = new();
    private readonly ApplyLoop _loop = new(applier, logger);

    protected override string Purpose => "consumer";

    protected override QueueBinding Binding { get; } = new(options.Exchange, options.Queue, options.BindingKeys, Flags.BrokerQueue);

    protected override ValueTask ReceiveAsync(BasicDeliverEventArgs delivery, SessionDeliveries session)
    {
        DeliveryEvents events;
        // The body is the client's only until this returns, so it is parsed here. A lost session's dispatcher may
        // still be running: the lock keeps the parser to one delivery at a time.
        lock (_parsing)
        {
            if (session.IsLost) return ValueTask.CompletedTask;
            events = _loop.Rent(delivery.DeliveryTag, session);
            try
            {
                _parser.Parse(delivery.Body.Span, events);
            }
            catch (Exception ex)
            {
                // A bug must not stop consumption nor redeliver the same message forever: log it and move on. The
                // events read before the failure still count.
                Logger.LogError(ex, "Reading a message failed; the rest of it is skipped");
            }
        }
        _loop.Enqueue(events);
        return ValueTask.CompletedTask;
    }

    protected override Task FinishApplyingAsync(CancellationToken cancellationToken) => _loop.DrainAsync(cancellationToken);

    public override void Dispose()
    {
        _loop.Dispose();
        base.Dispose();
    }
}
