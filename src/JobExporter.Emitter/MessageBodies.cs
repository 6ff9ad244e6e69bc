namespace JobExporter.Emitter;

/// <summary>
/// Cuts the events of one routing key into message bodies of at most <see cref="EventPublisherOptions.MaxBatchSize"/>
/// events and <see cref="MaxBytes"/> bytes each, so that no message is ever over the exporter's body limit
/// (the exporter's <c>EventParserLimits.MaxMessageBytes</c>), whatever the length of job names and ids. A body of one event
/// is a JSON object, of more a JSON array.
/// </summary>
internal static class MessageBodies
{
    /// <summary>Half the exporter's default body limit: a whole batch of ordinary events is about a quarter of it.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>
    /// Writes events from <paramref name="start"/> into <paramref name="body"/> (empty), as many as fit, and returns how
    /// many it took: at least one (an event larger than <paramref name="maxBytes"/> alone is still sent, alone).
    /// </summary>
    public static int Write(PooledBufferWriter body, IReadOnlyList<PendingEvent> events, int start, int maxEvents, int maxBytes = MaxBytes)
    {
        var writer = EventUtf8Writer.ForThisThread();
        var left = Math.Min(maxEvents, events.Count - start);
        if (left == 1)
        {
            writer.Write(body, events[start]);
            return 1;
        }
        Put(body, (byte)'[');
        var taken = 0;
        while (taken < left)
        {
            var before = body.WrittenCount;
            if (taken > 0) Put(body, (byte)',');
            writer.Write(body, events[start + taken]);
            // One byte kept for the closing bracket.
            if (taken > 0 && body.WrittenCount + 1 > maxBytes)
            {
                body.Truncate(before);
                break;
            }
            taken++;
        }
        if (taken == 1)
        {
            // The second event did not fit: one event is an object, not an array of one.
            body.Truncate(0);
            writer.Write(body, events[start]);
            return 1;
        }
        Put(body, (byte)']');
        return taken;
    }

    private static void Put(PooledBufferWriter body, byte b)
    {
        body.GetSpan(1)[0] = b;
        body.Advance(1);
    }
}
