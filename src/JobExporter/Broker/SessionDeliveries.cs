using RabbitMQ.Client.Exceptions;

namespace JobExporter.Broker;

/// <summary>
/// The deliveries of one consumer session, as whoever applies them sees them: whether they may still be applied, and
/// where each is reported applied so that it is acknowledged (in tag order, in batches: see <see cref="BatchAcknowledger"/>).
/// </summary>
internal sealed class SessionDeliveries(BatchAcknowledger acks, CancellationToken sessionToken)
{
    /// <summary>
    /// True once the session is lost or stopping. Its client may still hand over deliveries it had buffered: they stay
    /// unacknowledged and come again on the next connection, so skipping them loses nothing and keeps one session
    /// applying at a time.
    /// </summary>
    public bool IsLost => sessionToken.IsCancellationRequested;

    /// <summary>Reports the delivery, holding <paramref name="events"/> events, applied; never throws for a lost connection.</summary>
    public async ValueTask AppliedAsync(ulong deliveryTag, int events)
    {
        try
        {
            await acks.AppliedAsync(deliveryTag, sessionToken, events);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AlreadyClosedException)
        {
            // The connection is gone: the broker delivers the unacknowledged messages again to the next one.
        }
    }
}
