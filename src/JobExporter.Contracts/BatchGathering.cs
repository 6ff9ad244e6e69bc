namespace JobExporter.Contracts;

/// <summary>
/// When the send loop lets events gather for <see cref="EventPublisherOptions.BatchDelay"/> before a round: while the
/// buffer holds less than a full message for each routing key. A message carries one routing key's events (one event
/// type), so waiting only for <see cref="EventPublisherOptions.MaxBatchSize"/> events in all cut a round's events into
/// one message per type of a third or a quarter of a batch each (perf: about 300 events a message at 100,000 events a
/// second), and every message costs the broker and this process about as much as a few hundred events.
/// </summary>
internal static class BatchGathering
{
    /// <param name="buffered">Events waiting in the buffer.</param>
    /// <param name="maxBatchSize">Most events in one message.</param>
    /// <param name="routingKeys">Routing keys of the last round (at least one is assumed).</param>
    /// <param name="bufferCapacity">The buffer's size: gathering stops at half of it, so that a burst is not dropped while it waits.</param>
    public static bool ShouldGather(int buffered, int maxBatchSize, int routingKeys, int bufferCapacity) =>
        buffered < Math.Min((long)maxBatchSize * Math.Max(routingKeys, 1), Math.Max(bufferCapacity / 2, 1));
}
