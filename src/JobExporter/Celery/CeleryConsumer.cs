using JobExporter.Aggregation;
using JobExporter.Broker;
using JobExporter.Configuration;
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
/// show the state meanwhile. Turning a message into events is <see cref="CeleryMessageApplier"/>'s, shared with the Redis source.
/// </summary>
internal sealed class CeleryConsumer(
    ExporterOptions options,
    CeleryMessageApplier messages,
    ExporterMetrics metrics,
    CeleryMetrics celeryMetrics,
    TimeProvider time,
    ILogger<CeleryConsumer> logger) : QueueConsumer(options, metrics, celeryMetrics.BrokerConnected, time, logger)
{
    /// <summary>Celery publishes task events on <c>task.*</c> (lists on <c>task.multi</c>) and worker events on <c>worker.*</c>.</summary>
    public static readonly string[] BindingKeys = ["task.#", "worker.#"];

    protected override string Purpose => "celery";

    // The exchange is declared as Celery (kombu) declares it (topic, durable), so that whichever comes first, the other's matches.
    protected override QueueBinding Binding { get; } = new(options.Celery.Exchange, options.Celery.Queue, BindingKeys, Flags.CeleryQueue);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (messages.StartHoldTimer())
        {
            await base.ExecuteAsync(stoppingToken);
        }
        messages.ApplyAllHeld();
    }

    protected override int Apply(BasicDeliverEventArgs delivery) => messages.Apply(delivery.Body.Span, delivery.BasicProperties.ContentType);
}
