using JobExporter.Aggregation;
using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Broker;

/// <summary>
/// Consumes the exporter's durable queue on the events exchange and applies every message. A message is
/// acknowledged only after it is applied (in batches, see <see cref="BatchAcknowledger"/>), so events published
/// while the exporter is away are counted when it returns. When the broker goes away the loop reconnects with a
/// jittered backoff and re-declares everything; <c>exporter_broker_connected</c> shows the state meanwhile and
/// /metrics keeps answering.
/// </summary>
internal sealed class EventConsumer(
    ExporterOptions options,
    EventApplier applier,
    ExporterMetrics metrics,
    TimeProvider time,
    ILogger<EventConsumer> logger) : BackgroundService
{
    /// <summary>Longest an applied message waits for its acknowledgement when no more arrive.</summary>
    public static readonly TimeSpan AckLinger = TimeSpan.FromMilliseconds(100);
    private readonly ReconnectBackoff _backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Random.Shared);
    private readonly EventParser _parser = new(options.ParserLimits);
    private readonly RateLimitedLog _failures = new(logger, time, TimeSpan.FromSeconds(30));
    private volatile bool _connected;

    public bool IsConnected => _connected;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConsumeUntilDisconnectedAsync(stoppingToken);
                _backoff.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _failures.Failure($"Connecting to the broker at {BrokerUrls.Redact(options.BrokerUrl)}", ex);
            }
            finally
            {
                SetConnected(false);
            }
            try
            {
                await Task.Delay(_backoff.Next(), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ConsumeUntilDisconnectedAsync(CancellationToken stoppingToken)
    {
        await using var connection = await BrokerConnections.OpenAsync(options, "consumer", stoppingToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, _) => { closed.TrySetResult(); return Task.CompletedTask; };
        channel.ChannelShutdownAsync += (_, _) => { closed.TrySetResult(); return Task.CompletedTask; };

        await channel.ExchangeDeclareAsync(options.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: stoppingToken);
        var arguments = new Dictionary<string, object?>
        {
            ["x-max-length"] = options.QueueMaxLength,
            ["x-expires"] = (long)options.QueueExpires.TotalMilliseconds,
        };
        await channel.QueueDeclareAsync(options.Queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: stoppingToken);
        foreach (var key in options.BindingKeys)
        {
            await channel.QueueBindAsync(options.Queue, options.Exchange, key, cancellationToken: stoppingToken);
        }
        await channel.BasicQosAsync(0, options.Prefetch, global: false, stoppingToken);

        var acks = new BatchAcknowledger((tag, token) => channel.BasicAckAsync(tag, multiple: true, token),
            BatchAcknowledger.BatchSizeFor(options.Prefetch), AckLinger, time);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            Apply(delivery.Body.Span);
            return acks.AppliedAsync(delivery.DeliveryTag, stoppingToken).AsTask();
        };
        await channel.BasicConsumeAsync(options.Queue, autoAck: false, consumer, stoppingToken);
        SetConnected(true);
        _failures.Reset();
        logger.LogInformation("Consuming {Queue} bound to {Exchange} with {Keys} at {Broker}",
            options.Queue, options.Exchange, string.Join(", ", options.BindingKeys), BrokerUrls.Redact(options.BrokerUrl));

        try
        {
            await closed.Task.WaitAsync(stoppingToken);
        }
        finally
        {
            // Stopping: what was applied is acknowledged before the channel closes, so it is not delivered again.
            if (channel.IsOpen) await FlushQuietlyAsync(acks);
        }
        if (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("Lost the broker connection ({Reason}); reconnecting", channel.CloseReason?.ReplyText ?? connection.CloseReason?.ReplyText ?? "closed");
        }
    }

    private async Task FlushQuietlyAsync(BatchAcknowledger acks)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await acks.FlushAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Acknowledging the last batch before closing");
        }
    }

    private void Apply(ReadOnlySpan<byte> body)
    {
        try
        {
            _parser.Parse(body, applier);
        }
        catch (Exception ex)
        {
            // A bug must not stop consumption nor redeliver the same message forever: log it and move on.
            logger.LogError(ex, "Applying a message failed; it is skipped");
        }
    }

    private void SetConnected(bool connected)
    {
        _connected = connected;
        metrics.BrokerConnected.Set(connected ? 1 : 0);
    }
}
