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
/// acknowledged only after it is applied, so events published while the exporter is away are counted when
/// it returns. When the broker goes away the loop reconnects with backoff and re-declares everything;
/// <c>exporter_broker_connected</c> shows the state meanwhile and /metrics keeps answering.
/// </summary>
internal sealed class EventConsumer(
    ExporterOptions options,
    EventApplier applier,
    ExporterMetrics metrics,
    TimeProvider time,
    ILogger<EventConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);
    private readonly EventParser _parser = new(options.ParserLimits);
    private readonly RateLimitedLog _failures = new(logger, time, TimeSpan.FromSeconds(30));
    private volatile bool _connected;

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
                _failures.Failure($"Connecting to the broker at {BrokerUrls.Redact(options.BrokerUrl)}", ex);
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

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            Apply(delivery.Body.Span);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, stoppingToken);
        };
        await channel.BasicConsumeAsync(options.Queue, autoAck: false, consumer, stoppingToken);
        SetConnected(true);
        _failures.Reset();
        logger.LogInformation("Consuming {Queue} bound to {Exchange} with {Keys} at {Broker}",
            options.Queue, options.Exchange, string.Join(", ", options.BindingKeys), BrokerUrls.Redact(options.BrokerUrl));

        await closed.Task.WaitAsync(stoppingToken);
        if (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("Lost the broker connection ({Reason}); reconnecting", channel.CloseReason?.ReplyText ?? connection.CloseReason?.ReplyText ?? "closed");
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
