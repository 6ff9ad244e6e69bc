namespace JobExporter.MassTransit;

/// <summary>
/// The failed attempts of one received message (a payload of its ReceiveContext, which outlives retries),
/// until each gets its verdict. Consumers of one message may run concurrently, hence the lock.
/// </summary>
internal sealed class MessageFailures
{
    private readonly List<FailedAttempt> _pending = [];

    public void Add(FailedAttempt attempt)
    {
        lock (_pending) _pending.Add(attempt);
    }

    /// <summary>The attempt MassTransit reports as the final fault: the same exception object, else the latest of that consumer.</summary>
    public FailedAttempt? TakeFinal(Exception exception, string consumer)
    {
        lock (_pending)
        {
            var index = _pending.FindLastIndex(a => ReferenceEquals(a.Exception, exception));
            if (index < 0) index = _pending.FindLastIndex(a => a.Consumer == consumer);
            if (index < 0) return null;
            var attempt = _pending[index];
            _pending.RemoveAt(index);
            return attempt;
        }
    }

    /// <summary>Earlier failures of a consumer that is starting again: the policy retried them.</summary>
    public List<FailedAttempt>? TakeRetried(string consumer)
    {
        lock (_pending)
        {
            if (_pending.Count == 0) return null;
            var retried = _pending.FindAll(a => a.Consumer == consumer);
            if (retried.Count == 0) return null;
            _pending.RemoveAll(a => a.Consumer == consumer);
            return retried;
        }
    }

    /// <summary>What is left when the message is done: failures that were not final (e.g. redelivered later).</summary>
    public List<FailedAttempt>? TakeAll()
    {
        lock (_pending)
        {
            if (_pending.Count == 0) return null;
            var all = new List<FailedAttempt>(_pending);
            _pending.Clear();
            return all;
        }
    }
}
