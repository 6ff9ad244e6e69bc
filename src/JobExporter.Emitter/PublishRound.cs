namespace JobExporter.Emitter;

/// <summary>
/// The messages one round of the send loop put on the wire, with the events they carry, until the broker has
/// confirmed (or refused) every one of them. Rounds overlap: the loop sends the next round while this one's confirms
/// are outstanding. Reused from round to round, so a busy publisher allocates no lists per round.
/// </summary>
internal sealed class PublishRound
{
    private readonly List<Task> _sends = [];
    private readonly List<PooledBufferWriter> _bodies = [];
    private CancellationTokenSource? _timeout;

    /// <summary>The events the round's messages carry, in the order they were taken from the buffer.</summary>
    public List<PendingEvent> Events { get; private set; } = [];

    /// <summary>Cancelled when the publisher stops or when the broker has not confirmed within the confirm timeout.</summary>
    public CancellationToken Token => _timeout!.Token;

    public void Begin(TimeSpan confirmTimeout, CancellationToken stopping)
    {
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _timeout.CancelAfter(confirmTimeout);
    }

    /// <summary>Hands the round a list of events to carry (taking it over) and gives back its own, empty, in exchange.</summary>
    public List<PendingEvent> Swap(List<PendingEvent> events)
    {
        var own = Events;
        Events = events;
        own.Clear();
        return own;
    }

    public void Add(Task send, PooledBufferWriter body)
    {
        _sends.Add(send);
        _bodies.Add(body);
    }

    /// <summary>Marks the round failed although some of its messages may be out (they are sent again; duplicates are dropped by id).</summary>
    public void Fail(Exception error) => _sends.Add(Task.FromException(error));

    /// <summary>
    /// Finishes once every message of the round is confirmed, refused or cancelled, and its bodies are back in the
    /// pool: with null when all were confirmed, else with the first failure. Set by <see cref="Seal"/>.
    /// </summary>
    public Task<Exception?> Completion { get; private set; } = Task.FromResult<Exception?>(null);

    /// <summary>Called once the round's last message is on its way.</summary>
    public void Seal() => Completion = CompleteAsync();

    private async Task<Exception?> CompleteAsync()
    {
        try
        {
            // WhenAll finishes only once every send has, so no body is still being written when it goes back to the pool.
            await Task.WhenAll(_sends).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
        finally
        {
            foreach (var body in _bodies) body.Dispose();
            _bodies.Clear();
            _sends.Clear();
            _timeout?.Dispose();
            _timeout = null;
        }
    }
}
