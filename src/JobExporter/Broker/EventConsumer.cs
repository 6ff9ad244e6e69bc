using JobExporter.Aggregation;
using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Broker;

/// <summary>
/// Consumes the exporter's durable queue on the events exchange and applies every message. A message is
/// acknowledged only after it is applied (in batches, see <see cref="BatchAcknowledger"/>), so events published
/// while the exporter is away are counted when it returns; one delivered again after a lost connection is dropped
/// by the event id. Connecting and reconnecting is <see cref="QueueConsumer"/>'s; <c>exporter_broker_connected</c>
/// shows the state meanwhile and /metrics keeps answering.
/// </summary>
internal sealed class EventConsumer(
    ExporterOptions options,
    EventApplier applier,
    ExporterMetrics metrics,
    TimeProvider time,
    ILogger<EventConsumer> logger) : QueueConsumer(options, time, logger)
{
    /// <summary>Longest an applied message waits for its acknowledgement when no more arrive.</summary>
    public static readonly TimeSpan AckLinger = TimeSpan.FromMilliseconds(100);
    private readonly EventParser _parser = new(options.ParserLimits);
    private BatchAcknowledger? _acks;

    protected override string Purpose => "consumer";

    protected override QueueBinding Binding { get; } = new(options.Exchange, options.Queue, options.BindingKeys);

    protected override void OnChannelOpened(IChannel channel) =>
        _acks = new BatchAcknowledger((tag, token) => channel.BasicAckAsync(tag, multiple: true, token),
            BatchAcknowledger.BatchSizeFor(Options.Prefetch), AckLinger, Time);

    protected override Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        Apply(delivery.Body.Span);
        return _acks!.AppliedAsync(delivery.DeliveryTag, stoppingToken).AsTask();
    }

    // Stopping: what was applied is acknowledged before the channel closes, so it is not delivered again.
    protected override async Task OnStoppingAsync(IChannel channel)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _acks!.FlushAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            Logger.LogDebug(ex, "Acknowledging the last batch before closing");
        }
    }

    protected override void OnConnectedChanged(bool connected) => metrics.BrokerConnected.Set(connected ? 1 : 0);

    private void Apply(ReadOnlySpan<byte> body)
    {
        try
        {
            _parser.Parse(body, applier);
        }
        catch (Exception ex)
        {
            // A bug must not stop consumption nor redeliver the same message forever: log it and move on.
            Logger.LogError(ex, "Applying a message failed; it is skipped");
        }
    }
}
