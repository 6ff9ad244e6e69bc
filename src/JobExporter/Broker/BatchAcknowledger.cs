namespace JobExporter.Broker;

/// <summary>
/// Acknowledges applied deliveries with one multiple-ack per batch instead of one ack per message: an ack up to
/// delivery tag N acknowledges every earlier message of the channel, so the broker and both ends handle one frame
/// per batch. A delivery is only ever acknowledged after it was applied, so nothing is lost: what a crash leaves
/// unacknowledged (at most one batch, or what arrived in the last <c>linger</c>) is delivered again, and a running
/// exporter's de-duplication window drops what it had already applied. That holds only while a batch's events fit in
/// the window well inside it: a message can carry hundreds of events, and a redelivery longer than the window is
/// counted again whole. So a batch is sent when it holds <c>batchSize</c> deliveries or <c>maxEvents</c> events,
/// whichever comes first, or <c>linger</c> after its first message when the stream pauses.
/// Deliveries must be reported in tag order (one consumer dispatcher, as the exporter runs).
/// </summary>
internal sealed class BatchAcknowledger
{
    private readonly Func<ulong, CancellationToken, ValueTask> _ackUpTo;
    private readonly int _batchSize;
    private readonly long _maxEvents;
    private readonly TimeSpan _linger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private ulong _applied;
    private ulong _acknowledged;
    private int _flushScheduled;
    private long _eventsSinceAck;

    /// <param name="ackUpTo">Sends one ack with multiple=true up to the tag.</param>
    /// <param name="batchSize">Deliveries per ack; keep it below the prefetch, or the broker stops sending before a batch fills.</param>
    /// <param name="linger">Longest an applied delivery waits for its ack when no more arrive.</param>
    /// <param name="maxEvents">Events per ack at most, whatever the deliveries (see <see cref="MaxEventsFor"/>).</param>
    public BatchAcknowledger(Func<ulong, CancellationToken, ValueTask> ackUpTo, int batchSize, TimeSpan linger, TimeProvider time,
        long maxEvents = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        _ackUpTo = ackUpTo;
        _batchSize = batchSize;
        _maxEvents = maxEvents;
        _linger = linger;
        _time = time;
    }

    /// <summary>A quarter of the prefetch: the broker keeps sending while earlier batches are acknowledged.</summary>
    public static int BatchSizeFor(ushort prefetch) => Math.Max(1, prefetch / 4);

    /// <summary>
    /// A quarter of the de-duplication window (none when it is off): what a lost connection delivers again stays well
    /// inside the window, with room for emitters re-sending their unconfirmed events at the same time.
    /// </summary>
    public static long MaxEventsFor(int dedupWindow) => dedupWindow > 0 ? Math.Max(1, dedupWindow / 4) : long.MaxValue;

    /// <summary>Deliveries applied and not yet acknowledged.</summary>
    public ulong Pending => Volatile.Read(ref _applied) - Volatile.Read(ref _acknowledged);

    /// <summary>
    /// Records that the delivery, holding <paramref name="events"/> events, was applied; acknowledges the batch when it
    /// is full, else makes sure a flush follows.
    /// </summary>
    public ValueTask AppliedAsync(ulong deliveryTag, CancellationToken cancellationToken, int events = 1)
    {
        Volatile.Write(ref _applied, deliveryTag);
        // Deliveries are reported one at a time (one dispatcher), so this sum has one writer.
        _eventsSinceAck += events;
        if (deliveryTag - Volatile.Read(ref _acknowledged) >= (ulong)_batchSize || _eventsSinceAck >= _maxEvents)
        {
            _eventsSinceAck = 0;
            return new ValueTask(FlushAsync(cancellationToken));
        }
        if (Interlocked.Exchange(ref _flushScheduled, 1) == 0) _ = FlushAfterLingerAsync(cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <summary>Acknowledges everything applied so far (on a timer, and before the channel is closed).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            var upTo = Volatile.Read(ref _applied);
            if (upTo <= _acknowledged) return;
            await _ackUpTo(upTo, cancellationToken);
            Volatile.Write(ref _acknowledged, upTo);
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task FlushAfterLingerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_linger, _time, cancellationToken);
            // A full fence: a delivery that still saw the flag set is then read below.
            Interlocked.Exchange(ref _flushScheduled, 0);
            await FlushAsync(cancellationToken);
        }
        catch (Exception)
        {
            // Stopping, or the channel is gone: the broker requeues what was not acknowledged, and the consumer's
            // loop reconnects. Nothing to do here.
            Volatile.Write(ref _flushScheduled, 0);
        }
    }
}
