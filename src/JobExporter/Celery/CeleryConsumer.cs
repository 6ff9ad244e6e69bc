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
/// fits. A message is acknowledged only after it is applied. When the broker goes away it reconnects with backoff.
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

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            Apply(delivery.Body.Span, delivery.BasicProperties.ContentType);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, stoppingToken);
        };
        await channel.BasicConsumeAsync(celery.Queue, autoAck: false, consumer, stoppingToken);
        _failures.Reset();
        logger.LogInformation("Consuming Celery events from {Queue} bound to {Exchange} with {Keys}",
            celery.Queue, celery.Exchange, string.Join(", ", BindingKeys));

        await closed.Task.WaitAsync(stoppingToken);
        if (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("Lost the broker connection for Celery events ({Reason}); reconnecting",
                channel.CloseReason?.ReplyText ?? connection.CloseReason?.ReplyText ?? "closed");
        }
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
