namespace JobExporter.Transport.Http;

/// <summary>
/// One exporter the HTTP transport posts to, and how it keeps up: whether its last answer was an acknowledgement (a
/// connection's opening probe, or a batch), and the events it has not acknowledged: those in posts it has not answered
/// yet, and those of posts it failed (refused, timed out, unreachable) until the publisher sends them again. Each batch
/// goes to every exporter, so a slow or absent exporter shows here alone, while the others' figures stay low.
/// Read from any thread (the emitter's meter); written by the posts.
/// </summary>
internal sealed class ExporterDestination(ExporterEndpoint endpoint)
{
    private long _inFlight;
    private long _failed;
    private int _reachable;

    public ExporterEndpoint Endpoint { get; } = endpoint;

    /// <summary>The exporter's URL without credentials: the destination's name in logs and the meter.</summary>
    public string Name => Endpoint.Redacted;

    /// <summary>True while the exporter's last answer acknowledged what was posted; false before any answer, and after a failure.</summary>
    public bool IsReachable => Volatile.Read(ref _reachable) == 1;

    /// <summary>Events posted to this exporter and not acknowledged by it: in flight, or failed and waiting to be sent again.</summary>
    public long Unacknowledged => Interlocked.Read(ref _inFlight) + Interlocked.Read(ref _failed);

    /// <summary>A post of <paramref name="events"/> events starts.</summary>
    public void Posting(int events) => Interlocked.Add(ref _inFlight, events);

    /// <summary>A post of <paramref name="events"/> events finished: acknowledged (or rejected for good), or failed.</summary>
    public void Answered(int events, bool acknowledged)
    {
        Interlocked.Add(ref _inFlight, -events);
        if (!acknowledged) Interlocked.Add(ref _failed, events);
        Volatile.Write(ref _reachable, acknowledged ? 1 : 0);
    }

    /// <summary>The opening probe's answer: the exporter takes batches (an empty one) now, or not.</summary>
    public void Probed(bool acknowledged) => Volatile.Write(ref _reachable, acknowledged ? 1 : 0);

    /// <summary>A new connection sends every failed event again first: they count as in flight from now on.</summary>
    public void SendingFailedAgain() => Interlocked.Exchange(ref _failed, 0);
}
