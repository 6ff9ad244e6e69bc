using JobExporter.Contracts;

namespace JobExporter.MassTransit;

/// <summary>
/// The consumer attempts of one received message (a payload of its ReceiveContext, which outlives retries), as plain
/// rules: what happened in, the events to publish out. A consumer attempt that throws waits here for MassTransit's
/// verdict: the consumer starting again means the retry policy retried it (<c>job-retried</c>); MassTransit reporting
/// the fault means the policy gave up (<c>job-failed</c>); a failure still waiting when the message is done was retried
/// (redelivered later). A message that no consumer took and that did not fault was skipped (<c>job-rejected</c>).
/// Consumers of one message may run concurrently, hence the lock. <see cref="ConsumerJobFilter{TConsumer,TMessage}"/>
/// and <see cref="JobOutcomeObserver"/> are the adapters that feed it from MassTransit.
/// </summary>
internal sealed class MessageAttempts
{
    private readonly List<FailedAttempt> _pending = [];

    /// <summary>Only the first attempt waited in the queue: MassTransit retries in process, straight after the failure.</summary>
    public static bool Waited(int retryAttempt) => retryAttempt == 0;

    /// <summary>A message that no consumer took (it went to <c>&lt;queue&gt;_skipped</c>) is rejected; one that faulted is not.</summary>
    public static bool Skipped(bool delivered, bool faulted) => !delivered && !faulted;

    /// <summary>A consumer attempt threw: it waits for its verdict.</summary>
    public void Failed(FailedAttempt attempt)
    {
        lock (_pending) _pending.Add(attempt);
    }

    /// <summary>
    /// <paramref name="consumer"/> starts attempt <paramref name="retryAttempt"/> (0 the first): when it runs again, its earlier
    /// failures were retried, and their job-retried events are published.
    /// </summary>
    public List<JobEvent>? Starting(string consumer, int retryAttempt)
    {
        if (retryAttempt == 0) return null;
        lock (_pending)
        {
            if (_pending.Count == 0) return null;
            List<JobEvent>? retried = null;
            _pending.RemoveAll(a =>
            {
                if (a.Consumer != consumer) return false;
                (retried ??= []).Add(a.Retried);
                return true;
            });
            return retried;
        }
    }

    /// <summary>
    /// MassTransit reports <paramref name="exception"/> of <paramref name="consumer"/> as the final fault: the job-failed event of
    /// the attempt that threw that very exception, else of that consumer's latest failure; null when no attempt of it was seen.
    /// </summary>
    public JobEvent? Faulted(Exception exception, string consumer)
    {
        lock (_pending)
        {
            var index = _pending.FindLastIndex(a => ReferenceEquals(a.Exception, exception));
            if (index < 0) index = _pending.FindLastIndex(a => a.Consumer == consumer);
            if (index < 0) return null;
            var attempt = _pending[index];
            _pending.RemoveAt(index);
            return attempt.Failed;
        }
    }

    /// <summary>The message is done: failures still waiting were not final (redelivered later, say), so they were retried.</summary>
    public List<JobEvent>? Done()
    {
        lock (_pending)
        {
            if (_pending.Count == 0) return null;
            var retried = _pending.ConvertAll(a => a.Retried);
            _pending.Clear();
            return retried;
        }
    }
}
