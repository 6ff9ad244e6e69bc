using JobExporter.Aggregation;
using JobExporter.Broker;
using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client.Events;

namespace JobExporter.Celery;

/// <summary>
/// Consumes Celery's own events (workers started with <c>-E</c>) from the exporter's durable queue on Celery's
/// <c>celeryev</c> topic exchange, bound with <c>task.#</c> and <c>worker.#</c>, and applies them through the same
/// <see cref="EventApplier"/> as the emitters' events: same label guards, de-duplication and liveness. The queue has
/// the same x-max-length, x-expires and type as the exporter's own (see <see cref="QueueArguments"/>), so a burst or
/// an exporter restart loses nothing that fits. A message is acknowledged only after it is applied, in batches.
/// Connecting and reconnecting is <see cref="QueueConsumer"/>'s; <c>exporter_celery_broker_connected</c> and /readyz
/// show the state meanwhile.
/// </summary>
internal sealed class CeleryConsumer(
    ExporterOptions options,
    EventApplier applier,
    ExporterMetrics metrics,
    CeleryMetrics celeryMetrics,
    TimeProvider time,
    ILogger<CeleryConsumer> logger) : QueueConsumer(options, metrics, celeryMetrics.BrokerConnected, time, logger)
{
    /// <summary>Celery publishes task events on <c>task.*</c> (lists on <c>task.multi</c>) and worker events on <c>worker.*</c>.</summary>
    public static readonly string[] BindingKeys = ["task.#", "worker.#"];

    /// <summary>How often held events are checked for expiry while no message comes (each message checks too).</summary>
    private static readonly TimeSpan HoldCheck = TimeSpan.FromMilliseconds(250);

    private readonly CeleryEventDecoder _decoder = new(options.ParserLimits,
        new CeleryTaskIndex(options.Celery.TaskIndexSize, () => celeryMetrics.TaskIndexEvicted.Inc(), options.MaxLabelLength),
        new CeleryEventHold(time, events => celeryMetrics.HoldOverflow.Inc(events)));

    // The decoder is used by the consumer's dispatcher and by the hold's timer.
    private readonly Lock _decoding = new();

    protected override string Purpose => "celery";

    // The exchange is declared as Celery (kombu) declares it (topic, durable), so that whichever comes first, the other's matches.
    protected override QueueBinding Binding { get; } = new(options.Celery.Exchange, options.Celery.Queue, BindingKeys, Flags.CeleryQueue);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (Time.CreateTimer(_ => ApplyHeld(all: false), null, HoldCheck, HoldCheck))
        {
            await base.ExecuteAsync(stoppingToken);
        }
        // Stopping: what is still held is counted (as unknown) rather than dropped.
        ApplyHeld(all: true);
    }

    protected override int Apply(BasicDeliverEventArgs delivery)
    {
        var before = applier.EventsSeen;
        try
        {
            lock (_decoding) _decoder.Decode(delivery.Body.Span, delivery.BasicProperties.ContentType, applier);
        }
        catch (Exception ex)
        {
            // A bug must not stop consumption nor redeliver the same message forever: log it and move on.
            Logger.LogError(ex, "Applying a Celery message failed; it is skipped");
        }
        return (int)(applier.EventsSeen - before);
    }

    private void ApplyHeld(bool all)
    {
        try
        {
            lock (_decoding)
            {
                if (all) _decoder.ApplyAllHeld(applier);
                else _decoder.ApplyExpired(applier);
            }
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Applying held Celery events failed; they are skipped");
        }
    }
}
