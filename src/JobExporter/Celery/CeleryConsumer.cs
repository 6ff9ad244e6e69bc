using JobExporter.Aggregation;
using JobExporter.Broker;
using JobExporter.Configuration;
using JobExporter.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Celery;

/// <summary>
/// Consumes Celery's own events (workers started with <c>-E</c>) from the exporter's durable queue on Celery's
/// <c>celeryev</c> topic exchange, bound with <c>task.#</c> and <c>worker.#</c>, and applies them through the same
/// <see cref="EventApplier"/> as the emitters' events: same label guards, de-duplication and liveness. The queue has
/// the same x-max-length and x-expires as the exporter's own, so a burst or an exporter restart loses nothing that
/// fits. A message is acknowledged only after it is applied, in batches as the main consumer does (see
/// <see cref="BatchAcknowledger"/>). When the broker goes away it reconnects with backoff;
/// <c>exporter_celery_broker_connected</c> and /readyz show the state meanwhile.
/// </summary>
internal sealed class CeleryConsumer(
    ExporterOptions options,
    EventApplier applier,
    CeleryMetrics celeryMetrics,
    TimeProvider time,
    ILogger<CeleryConsumer> logger) : BackgroundService
{
    /// <summary>Celery publishes task events on <c>task.*</c> (lists on <c>task.multi</c>) and worker events on <c>worker.*</c>.</summary>
    public static readonly string[] BindingKeys = ["task.#", "worker.#"];

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);
    private readonly CeleryEventDecoder _decoder = new(options.ParserLimits,
        new CeleryTaskIndex(options.Celery.TaskIndexSize, () => celeryMetrics.TaskIndexEvicted.Inc()));
    private readonly RateLimitedLog _failures = new(logger, time, TimeSpan.FromSeconds(30));
    private volatile bool _connected;

    /// <summary>True while the Celery queue is being consumed.</summary>
    public bool IsConnected => _connected;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConsumeUntilDisconnectedAsync(stoppingToken);
                retry = FirstRetry;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _failures.Failure($"Consuming Celery events at {BrokerUrls.Redact(options.BrokerUrl)}", ex);
            }
            finally
            {
                SetConnected(false);
            }
            try
            {
                await Task.Delay(retry, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
        }
    }

    private async Task ConsumeUntilDisconnectedAsync(CancellationToken stoppingToken)
    {
        var celery = options.Celery;
        await using var connection = await BrokerConnections.OpenAsync(options, "celery", stoppingToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, _) => { closed.TrySetResult(); return Task.CompletedTask; };
        channel.ChannelShutdownAsync += (_, _) => { closed.TrySetResult(); return Task.CompletedTask; };

        // Declared as Celery (kombu) declares it, so that whichever comes first, the other's declaration matches.
        await channel.ExchangeDeclareAsync(celery.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: stoppingToken);
        var arguments = new Dictionary<string, object?>
        {
            ["x-max-length"] = options.QueueMaxLength,
            ["x-expires"] = (long)options.QueueExpires.TotalMilliseconds,
        };
        await channel.QueueDeclareAsync(celery.Queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: stoppingToken);
        foreach (var key in BindingKeys)
        {
            await channel.QueueBindAsync(celery.Queue, celery.Exchange, key, cancellationToken: stoppingToken);
        }
        await channel.BasicQosAsync(0, options.Prefetch, global: false, stoppingToken);

        var acks = new BatchAcknowledger((tag, token) => channel.BasicAckAsync(tag, multiple: true, token),
            BatchAcknowledger.BatchSizeFor(options.Prefetch), EventConsumer.AckLinger, time);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            Apply(delivery.Body.Span, delivery.BasicProperties.ContentType);
            return acks.AppliedAsync(delivery.DeliveryTag, stoppingToken).AsTask();
        };
        await channel.BasicConsumeAsync(celery.Queue, autoAck: false, consumer, stoppingToken);
        SetConnected(true);
        _failures.Reset();
        logger.LogInformation("Consuming Celery events from {Queue} bound to {Exchange} with {Keys}",
            celery.Queue, celery.Exchange, string.Join(", ", BindingKeys));

        try
        {
            await closed.Task.WaitAsync(stoppingToken);
        }
        finally
        {
            // Stopping: what was applied is acknowledged before the channel closes, so it is not delivered again.
            if (channel.IsOpen) await AcknowledgeAppliedAsync(acks);
        }
        if (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("Lost the broker connection for Celery events ({Reason}); reconnecting",
                channel.CloseReason?.ReplyText ?? connection.CloseReason?.ReplyText ?? "closed");
        }
    }

    private async Task AcknowledgeAppliedAsync(BatchAcknowledger acks)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await acks.FlushAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            // Unacknowledged, they come again; de-duplication drops those already applied.
            logger.LogDebug(ex, "Acknowledging the last Celery batch before closing");
        }
    }

    private void SetConnected(bool connected)
    {
        _connected = connected;
        celeryMetrics.BrokerConnected.Set(connected ? 1 : 0);
    }

    private void Apply(ReadOnlySpan<byte> body, string? contentType)
    {
        try
        {
            _decoder.Decode(body, contentType, applier);
        }
        catch (Exception ex)
        {
            // A bug must not stop consumption nor redeliver the same message forever: log it and move on.
            logger.LogError(ex, "Applying a Celery message failed; it is skipped");
        }
    }
}
