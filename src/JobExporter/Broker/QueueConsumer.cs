using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;
using JobExporter.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace JobExporter.Broker;

/// <summary>
/// Where a consumer reads from: its exchange (topic, durable), its queue, the keys binding them, and the flag that
/// names the queue (for messages).
/// </summary>
internal sealed record QueueBinding(string Exchange, string Queue, IReadOnlyList<string> Keys, Flag QueueFlag);

/// <summary>
/// The connect, declare, consume and reconnect loop every queue the exporter reads shares. It connects to one of
/// --broker.url's nodes, declares the exchange, the queue (with <see cref="QueueArguments"/>, so classic or quorum)
/// and its bindings, and consumes with manual acknowledgements. Whatever ends the consumption (the connection or
/// channel closed, the broker cancelling the consumer because its queue was deleted, or the broker no longer answering
/// <see cref="QueueCheck"/>), the consumer is reported down at once, the loss is logged and counted, and it connects
/// again, to whichever node answers, after a jittered backoff, declaring everything anew.
/// A delivery is acknowledged only after the subclass has applied it, in batches (see <see cref="BatchAcknowledger"/>);
/// one delivered again after a lost connection is the subclass's de-duplication to drop.
/// </summary>
internal abstract class QueueConsumer : BackgroundService
{
    /// <summary>Longest an applied message waits for its acknowledgement when no more arrive.</summary>
    public static readonly TimeSpan AckLinger = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest closing a connection may take, answered or not.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly ReconnectBackoff _backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Random.Shared);
    private readonly RateLimitedLog _failures;
    private readonly Gauge _connected;
    private readonly ExporterMetrics _metrics;
    private readonly Lock _applying = new();
    private volatile ConsumerSession? _session;
    private volatile string? _notReadyBecause;
    private string? _conflictLogged;

    /// <param name="connected">The gauge that reads 1 while this consumer consumes (set from <see cref="IsConnected"/> at each scrape too).</param>
    protected QueueConsumer(ExporterOptions options, ExporterMetrics metrics, Gauge connected, TimeProvider time, ILogger logger)
    {
        Options = options;
        Time = time;
        Logger = logger;
        _metrics = metrics;
        _connected = connected;
        _failures = new RateLimitedLog(logger, time, TimeSpan.FromSeconds(30));
        // What a scrape shows is the state at that moment, whichever event did or did not arrive.
        metrics.Registry.AddBeforeCollectCallback(() => _connected.Set(IsConnected ? 1 : 0));
    }

    protected ExporterOptions Options { get; }
    protected TimeProvider Time { get; }
    protected ILogger Logger { get; }

    /// <summary>True while the queue is being consumed: derived from the live connection, channel and consumer.</summary>
    public bool IsConnected => _session is { IsLive: true };

    /// <summary>Why the last attempt failed when it needs someone to act (a queue declared with other arguments), else null.</summary>
    public string? NotReadyBecause => IsConnected ? null : _notReadyBecause;

    /// <summary>The connection's name on the broker (<c>jobexporter-{Purpose}</c>) and in log lines.</summary>
    protected abstract string Purpose { get; }

    protected abstract QueueBinding Binding { get; }

    /// <summary>
    /// Applies one delivery, in order, and returns how many events it held; it must not throw (a message that cannot be
    /// applied is counted and skipped).
    /// </summary>
    protected abstract int Apply(BasicDeliverEventArgs delivery);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = Binding.Queue;
        _metrics.OwnQueueMaxMessages.WithLabels(queue).Set(Options.QueueMaxLength);
        _metrics.OwnQueueFull.WithLabels(queue).Inc(0);
        foreach (var reason in ConsumerLoss.All) _metrics.BrokerRecoveries.WithLabels(queue, ConsumerLoss.Label(reason)).Inc(0);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConsumeUntilLostAsync(stoppingToken);
                _backoff.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ReportFailure(ex);
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

    private async Task ConsumeUntilLostAsync(CancellationToken stoppingToken)
    {
        var binding = Binding;
        var connection = await BrokerConnections.OpenAsync(Options, Purpose, stoppingToken);
        var session = new ConsumerSession(connection, _ => SetConnected(false), stoppingToken);
        var lost = false;
        try
        {
            var channel = await session.OpenChannelAsync(stoppingToken);
            await channel.ExchangeDeclareAsync(binding.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: stoppingToken);
            var declared = await channel.QueueDeclareAsync(binding.Queue, durable: true, exclusive: false, autoDelete: false, QueueArguments.For(Options),
                cancellationToken: stoppingToken);
            ReportQueueLength(declared.MessageCount);
            foreach (var key in binding.Keys)
            {
                await channel.QueueBindAsync(binding.Queue, binding.Exchange, key, cancellationToken: stoppingToken);
            }
            // Per consumer (global: false): quorum queues do not support a channel-wide prefetch.
            await channel.BasicQosAsync(0, Options.Prefetch, global: false, stoppingToken);
            var checkChannel = await session.OpenCheckChannelAsync(stoppingToken);

            var acks = new BatchAcknowledger((tag, token) => channel.BasicAckAsync(tag, multiple: true, token),
                BatchAcknowledger.BatchSizeFor(Options.Prefetch), AckLinger, Time, BatchAcknowledger.MaxEventsFor(Options.DedupWindow));
            var consumer = new AsyncEventingBasicConsumer(channel);
            // Read once: deliveries still queued when the session is closed must not touch its disposed token source.
            var sessionToken = session.Token;
            consumer.ReceivedAsync += (_, delivery) => ApplyAsync(delivery, acks, sessionToken);
            session.Watch(consumer);
            await channel.BasicConsumeAsync(binding.Queue, autoAck: false, consumer, stoppingToken);
            session.MarkConsuming();
            _session = session;
            SetConnected(true);
            _failures.Reset();
            _notReadyBecause = null;
            _conflictLogged = null;
            Logger.LogInformation("Consuming {Queue} ({Type}) bound to {Exchange} with {Keys} at {Node}",
                binding.Queue, Options.QueueType.Name(), binding.Exchange, string.Join(", ", binding.Keys), connection.Endpoint.ToString());

            var loss = await WatchAsync(session, checkChannel, stoppingToken);
            if (loss is null)
            {
                // Stopping: what was applied is acknowledged before the channel closes, so it is not delivered again.
                await AcknowledgeAppliedAsync(acks);
                return;
            }
            _metrics.BrokerRecoveries.WithLabels(binding.Queue, ConsumerLoss.Label(loss.Reason)).Inc();
            Logger.LogWarning("Lost the consumer of {Queue} at {Node}: {Reason} ({Detail}); reconnecting and declaring it again",
                binding.Queue, connection.Endpoint.ToString(), ConsumerLoss.Label(loss.Reason), loss.Detail);
            lost = true;
        }
        finally
        {
            _session = null;
            var closing = session.CloseAsync(CloseTimeout);
            // Closing a connection the broker already dropped can take the whole close timeout, so after a loss the next
            // connection does not wait for it. The lost session applies nothing more (see ApplyAsync): never two at once.
            if (!lost) await closing;
        }
    }

    /// <summary>Waits for the first loss, checking the queue every <see cref="QueueCheck.Interval"/>; null when stopping.</summary>
    private async Task<ConsumerLoss?> WatchAsync(ConsumerSession session, IChannel checkChannel, CancellationToken stoppingToken)
    {
        var check = new QueueCheck(Binding.Queue, Time);
        while (true)
        {
            var pause = Task.Delay(QueueCheck.Interval, Time, session.Token);
            await Task.WhenAny(session.Lost, pause);
            if (session.Lost.IsCompleted) return await session.Lost;
            if (stoppingToken.IsCancellationRequested) return null;
            if (await check.RunAsync(checkChannel, ReportQueueLength, session.Token) is { } loss) session.Lose(loss);
        }
    }

    private async Task ApplyAsync(BasicDeliverEventArgs delivery, BatchAcknowledger acks, CancellationToken token)
    {
        int events;
        lock (_applying)
        {
            // A lost session's client may still hand over deliveries it had buffered. They stay unacknowledged and come
            // again on the next connection, so skipping them loses nothing and keeps one session applying at a time.
            if (token.IsCancellationRequested) return;
            events = Apply(delivery);
        }
        try
        {
            await acks.AppliedAsync(delivery.DeliveryTag, token, events);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AlreadyClosedException)
        {
            // The connection is gone: the broker delivers the unacknowledged messages again to the next one.
        }
    }

    /// <summary>
    /// The queue's length at a declaration or check. At x-max-length RabbitMQ drops the oldest message for each new one,
    /// silently: the counter is what an alert can see, even when the exporter drains the queue between two scrapes.
    /// </summary>
    private void ReportQueueLength(uint messages)
    {
        _metrics.OwnQueueMessages.WithLabels(Binding.Queue).Set(messages);
        if (messages >= Options.QueueMaxLength) _metrics.OwnQueueFull.WithLabels(Binding.Queue).Inc();
    }

    private void ReportFailure(Exception ex)
    {
        var queue = Binding.Queue;
        if (QueueArgumentConflict.ArgumentOf(ex) is { } argument)
        {
            _notReadyBecause = $"queue {queue} exists with another {argument}; see the log";
            var reply = (ex as OperationInterruptedException)?.ShutdownReason?.ReplyText ?? ex.Message;
            // One line says what to do; the same refusal again says nothing new, but debug logs each attempt.
            Logger.LogDebug("Declaring {Queue} was refused again: {Reply}", queue, reply);
            if (_conflictLogged == reply) return;
            _conflictLogged = reply;
            Logger.LogError("Unable to consume {Queue} ({Type}): {Explanation}", queue, Options.QueueType.Name(),
                QueueArgumentConflict.Explain(argument, queue, Binding.QueueFlag, reply));
            return;
        }
        _notReadyBecause = null;
        _conflictLogged = null;
        _failures.Failure($"Connecting to the broker at {BrokerEndpoints.Redact(Options.BrokerUrls)} to consume {queue} ({Options.QueueType.Name()})", ex);
    }

    // Stopping: what was applied is acknowledged before the channel closes, so it is not delivered again.
    private async Task AcknowledgeAppliedAsync(BatchAcknowledger acks)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            await acks.FlushAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            // Unacknowledged, they come again; de-duplication drops those already applied.
            Logger.LogDebug(ex, "Acknowledging the last batch of {Queue} before closing", Binding.Queue);
        }
    }

    private void SetConnected(bool connected) => _connected.Set(connected && IsConnected ? 1 : 0);
}
