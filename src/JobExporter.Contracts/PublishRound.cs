using RabbitMQ.Client;

namespace JobExporter.Contracts;

/// <summary>
/// The messages one round of the send loop put on the wire, until the broker has confirmed (or refused) every one of
/// them. Rounds overlap: the loop sends the next round while this one's confirms are outstanding. Reused from round to
/// round, so a busy publisher allocates no lists per round.
/// </summary>
internal sealed class PublishRound
{
    private static readonly BasicProperties MessageProperties = new()
    {
        Persistent = true,
        ContentType = "application/json",
    };

    private readonly List<Task> _sends = [];
    private CancellationTokenSource? _timeout;

    /// <summary>The round's messages, in the order they were taken from the buffer.</summary>
    public List<OutgoingMessage> Messages { get; } = [];

    /// <summary>Events in the round's messages.</summary>
    public int Events { get; private set; }

    /// <summary>
    /// Puts the messages on the wire without waiting for the broker's confirms (<see cref="Completion"/> waits for
    /// them). A send that fails at once fails the round the same way. The round takes the messages over.
    /// </summary>
    public void Send(IChannel channel, string exchange, IReadOnlyList<OutgoingMessage> messages, TimeSpan confirmTimeout, CancellationToken stopping)
    {
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _timeout.CancelAfter(confirmTimeout);
        foreach (var message in messages)
        {
            Messages.Add(message);
            Events += message.Events;
            Task send;
            try
            {
                send = channel.BasicPublishAsync(exchange, message.RoutingKey, mandatory: false, MessageProperties, message.Body, _timeout.Token).AsTask();
            }
            catch (Exception ex)
            {
                send = Task.FromException(ex);
            }
            _sends.Add(send);
        }
        Completion = CompleteAsync();
    }

    /// <summary>
    /// Finishes once every message of the round is confirmed, refused or cancelled, so that no body is still being
    /// written to the socket: with null when all were confirmed, else with the first failure.
    /// </summary>
    public Task<Exception?> Completion { get; private set; } = Task.FromResult<Exception?>(null);

    /// <summary>Empties the round for reuse; its messages now belong to whoever took them.</summary>
    public void Clear()
    {
        Messages.Clear();
        Events = 0;
    }

    private async Task<Exception?> CompleteAsync()
    {
        try
        {
            await Task.WhenAll(_sends).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
        finally
        {
            _sends.Clear();
            _timeout?.Dispose();
            _timeout = null;
        }
    }
}
