namespace JobExporter.Events;

/// <summary>Bounds on what one message may hold, so that hostile input costs little.</summary>
internal sealed record EventParserLimits
{
    /// <summary>Largest message body accepted, in bytes. Default 512 KiB (a batch of about 2,000 events).</summary>
    public int MaxMessageBytes { get; init; } = 512 * 1024;

    /// <summary>Most events in one batch message. Default 10,000.</summary>
    public int MaxBatchEvents { get; init; } = 10_000;

    /// <summary>
    /// Deepest JSON nesting accepted, counted from the message's root. Default 8 (a batch is 2; unknown fields may add a
    /// little). An event nested deeper is rejected alone as <c>too_deep</c>; the events around it still count.
    /// </summary>
    public int MaxDepth { get; init; } = 8;

    public static EventParserLimits Default { get; } = new();
}
