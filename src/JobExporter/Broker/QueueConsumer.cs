using JobExporter.Configuration;
using JobExporter.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Broker;

/// <summary>Where a consumer reads from: its exchange (topic, durable), its queue and the keys binding them.</summary>
internal sealed record QueueBinding(string Exchange, string Queue, IReadOnlyList<string> Keys);

/// <summary>
/// The connect, declare, consume and reconnect loop every queue the exporter reads shares. It connects to one of
/// --broker.url's nodes, declares the exchange, the queue (with <see cref="QueueArguments"/>, so classic or quorum)
/// and its bindings, and consumes with manual acknowledgements. When the connection or channel is lost (a node
/// killed, a quorum queue's leader moving) it reconnects, to whichever node answers, after a jittered backoff.
/// A delivery is acknowledged only after the subclass has applied it, in batches (see <see cref="BatchAcknowledger"/>);
/// one delivered again after a lost connection is the subclass's de-duplication to drop.
/// </summary>
internal abstract class QueueConsumer(ExporterOptions options, TimeProvider time, ILogger logger) : BackgroundService
{
    private readonly ReconnectBackoff _backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Random.Shared);
    private readonly RateLimitedLog _failures = new(logger, time, TimeSpan.FromSeconds(30));
    private volatile bool _connected;

    /// <summary>Longest an applied message waits for its acknowledgement when no more arrive.</summary>
    public static readonly TimeSpan AckLinger = TimeSpan.FromMilliseconds(100);

    protected ExporterOptions Options { get; } = options;
    protected TimeProvider Time { get; } = time;
    protected ILogger Logger { get; } = logger;

    /// <summary>True while the queue is being consumed.</summary>
    public bool IsConnected => _connected;

    /// <summary>The connection's name on the broker (<c>jobexporter-{Purpose}</c>) and in log lines.</summary>
    protected abstract string Purpose { get; }

    protected abstract QueueBinding Binding { get; }

    /// <summary>
    /// Applies one delivery, in order, and returns how many events it held; it must not throw (a message that cannot be
    /// applied is counted and skipped).
    /// </summary>
    protected abstract int Apply(BasicDeliverEventArgs delivery);

    /// <summary>Consuming started (true) or stopped (false).</summary>
    protected virtual void OnConnectedChanged(bool connected) { }

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
                _failures.Failure($"Connecting to the broker at {BrokerEndpoints.Redact(Options.BrokerUrls)} to consume {Binding.Queue} ({Options.QueueType.Name()})", ex);
            }
            finally
            {
                SetConnected(false);
            }
            try
            {
                await Task.Delay(_backoff.Next(), Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ConsumeUntilDisconnectedAsync(CancellationToken stoppingToken)
    {
        var binding = Binding;
        await using var connection = await BrokerConnections.OpenAsync(Options, Purpose, stoppingToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, _) => { closed.TrySetResult(); return Task.CompletedTask; };
        channel.ChannelShutdownAsync += (_, _) => { closed.TrySetResult(); return Task.CompletedTask; };

        await channel.ExchangeDeclareAsync(binding.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: stoppingToken);
        await channel.QueueDeclareAsync(binding.Queue, durable: true, exclusive: false, autoDelete: false, QueueArguments.For(Options),
            cancellationToken: stoppingToken);
        foreach (var key in binding.Keys)
        {
            await channel.QueueBindAsync(binding.Queue, binding.Exchange, key, cancellationToken: stoppingToken);
        }
        // Per consumer (global: false): quorum queues do not support a channel-wide prefetch.
        await channel.BasicQosAsync(0, Options.Prefetch, global: false, stoppingToken);

        var acks = new BatchAcknowledger((tag, token) => channel.BasicAckAsync(tag, multiple: true, token),
            BatchAcknowledger.BatchSizeFor(Options.Prefetch), AckLinger, Time, BatchAcknowledger.MaxEventsFor(Options.DedupWindow));
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var events = Apply(delivery);
            return acks.AppliedAsync(delivery.DeliveryTag, stoppingToken, events).AsTask();
        };
        await channel.BasicConsumeAsync(binding.Queue, autoAck: false, consumer, stoppingToken);
        SetConnected(true);
        _failures.Reset();
        Logger.LogInformation("Consuming {Queue} ({Type}) bound to {Exchange} with {Keys} at {Node}",
            binding.Queue, Options.QueueType.Name(), binding.Exchange, string.Join(", ", binding.Keys), connection.Endpoint.ToString());

        try
        {
            await closed.Task.WaitAsync(stoppingToken);
        }
        finally
        {
            if (channel.IsOpen) await AcknowledgeAppliedAsync(acks);
        }
        if (!stoppingToken.IsCancellationRequested)
        {
            Logger.LogWarning("Lost the broker connection of {Queue} at {Node} ({Reason}); reconnecting", binding.Queue, connection.Endpoint.ToString(),
                channel.CloseReason?.ReplyText ?? connection.CloseReason?.ReplyText ?? "closed");
        }
    }

    // Stopping: what was applied is acknowledged before the channel closes, so it is not delivered again.
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
            Logger.LogDebug(ex, "Acknowledging the last batch of {Queue} before closing", Binding.Queue);
        }
    }

    private void SetConnected(bool connected)
    {
        _connected = connected;
        OnConnectedChanged(connected);
    }
}
