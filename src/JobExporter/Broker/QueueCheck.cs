using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace JobExporter.Broker;

/// <summary>
/// Asks the broker, on a channel of the consumer's own connection, about the queue being consumed (a passive declare).
/// An answer gives the queue's length and tells that the connection works end to end, which its open state alone does
/// not: a broker that dropped a connection gone silent (the exporter paused past the heartbeat timeout) may leave the
/// socket open, and the client library then notices only after several heartbeats without frames, a minute at the
/// default. No answer within <see cref="Timeout"/>, a missing queue, or no consumer on it twice in a row is a loss.
/// </summary>
internal sealed class QueueCheck(string queue, TimeProvider time)
{
    private const ushort NotFound = 404;

    /// <summary>Time between checks while consuming.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Longest the broker may take to answer one check (it answers in milliseconds when it is there).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private int _checksWithoutConsumer;

    /// <summary>
    /// Checks once; <paramref name="messages"/> receives the queue's length. Returns the loss found, or null when the queue
    /// is there and answered. <paramref name="token"/> cancelled (stopping, or the loss already known) returns null.
    /// </summary>
    public async Task<ConsumerLoss?> RunAsync(IChannel channel, Action<uint> messages, CancellationToken token)
    {
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue, linked.Token);
            messages(ok.MessageCount);
            // A consumer just registered may not be counted yet on every node: one check without it is not a loss.
            _checksWithoutConsumer = ok.ConsumerCount > 0 ? 0 : _checksWithoutConsumer + 1;
            return _checksWithoutConsumer >= 2 ? new ConsumerLoss(LossReason.ConsumerCancelled, $"the broker lists no consumer on {queue}") : null;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
        {
            return new ConsumerLoss(LossReason.ConsumerCancelled, $"queue {queue} no longer exists");
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new ConsumerLoss(LossReason.Unresponsive, $"the broker did not answer a check of {queue} within {Timeout.TotalSeconds:0} s");
        }
        catch (Exception ex)
        {
            return new ConsumerLoss(LossReason.ConnectionLost, ex.Message);
        }
    }
}
