using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Broker;

/// <summary>
/// One connection consuming one queue: the connection, the channel the consumer reads on, a second channel for
/// <see cref="QueueCheck"/>, and the first loss, whichever part reports it and in whatever order. Every shutdown event
/// (connection, channel, consumer cancelled) and every failed check ends the session the same way: <see cref="Lost"/>
/// completes, <see cref="Token"/> is cancelled (so that no acknowledgement waits on a dead socket), and
/// <see cref="IsLive"/> is false from then on.
/// </summary>
internal sealed class ConsumerSession
{
    private readonly TaskCompletionSource<ConsumerLoss> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancel;
    private readonly Action<ConsumerLoss> _onLost;
    private volatile bool _consuming;
    private volatile bool _closing;

    /// <param name="onLost">Called once, at the first loss, on whichever thread reports it: it must be quick.</param>
    public ConsumerSession(IConnection connection, Action<ConsumerLoss> onLost, CancellationToken stoppingToken)
    {
        Connection = connection;
        _onLost = onLost;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        // Subscribed before any channel exists, so called before the channels' own handlers: those wait for their
        // consumer's queue of deliveries to drain, which can take long on a dead connection.
        connection.ConnectionShutdownAsync += (_, e) => Lose(LossReason.ConnectionLost, e.ReplyText);
    }

    public IConnection Connection { get; }
    public IChannel? Channel { get; private set; }
    public IChannel? CheckChannel { get; private set; }

    /// <summary>Completes at the first loss.</summary>
    public Task<ConsumerLoss> Lost => _lost.Task;

    /// <summary>Cancelled at the first loss and when the exporter stops.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>True while the consumer is registered and nothing reported a loss: connection and channel open.</summary>
    public bool IsLive => _consuming && !_lost.Task.IsCompleted && Connection.IsOpen && Channel is { IsOpen: true };

    public async Task<IChannel> OpenChannelAsync(CancellationToken cancellationToken)
    {
        var channel = await Connection.CreateChannelAsync(cancellationToken: cancellationToken);
        channel.ChannelShutdownAsync += (_, e) => Lose(LossReason.ConnectionLost, $"channel closed: {e.ReplyText}");
        Channel = channel;
        return channel;
    }

    /// <summary>The checks' own channel: a missing queue closes the channel it was asked on, not the consumer's.</summary>
    public async Task<IChannel> OpenCheckChannelAsync(CancellationToken cancellationToken) =>
        CheckChannel = await Connection.CreateChannelAsync(cancellationToken: cancellationToken);

    /// <summary>Watches the consumer: the broker cancelling it (its queue deleted) is a loss.</summary>
    public void Watch(AsyncEventingBasicConsumer consumer) =>
        // Only the broker cancels: the exporter never cancels its consumers, it closes their channel.
        consumer.UnregisteredAsync += (_, _) => Lose(LossReason.ConsumerCancelled, "the broker cancelled the consumer (queue deleted?)");

    public void MarkConsuming() => _consuming = true;

    /// <summary>Records a loss; only the first one counts, and none once <see cref="CloseAsync"/> began.</summary>
    public void Lose(ConsumerLoss loss)
    {
        if (_closing || !_lost.TrySetResult(loss)) return;
        _onLost(loss);
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: nothing waits on the token any more.
        }
    }

    private Task Lose(LossReason reason, string detail)
    {
        Lose(new ConsumerLoss(reason, detail));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Closes what is still open, within <paramref name="timeout"/> whatever the state of the socket: a connection the
    /// broker dropped may never answer a close.
    /// </summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        _closing = true;
        _cancel.Cancel();
        try
        {
            var closing = Task.Run(async () =>
            {
                if (CheckChannel is not null) await CheckChannel.DisposeAsync();
                if (Channel is not null) await Channel.DisposeAsync();
                await Connection.AbortAsync(timeout);
                await Connection.DisposeAsync();
            });
            await closing.WaitAsync(timeout + timeout);
        }
        catch (Exception)
        {
            // Gone already, or not answering: its socket is closed by the abort or with the process.
        }
        finally
        {
            _cancel.Dispose();
        }
    }
}
