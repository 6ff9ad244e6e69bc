using System.Diagnostics;
using JobExporter.Contracts;
using MassTransit;

namespace JobExporter.MassTransit;

/// <summary>
/// Wraps one consumer's handling of one message type, once per attempt: <c>job-received</c> and
/// <c>job-started</c> (with the wait since the message was sent, on the first attempt) when it starts,
/// <c>job-succeeded</c> with the runtime when it returns, and, when it throws, a <see cref="FailedAttempt"/>
/// that <see cref="MessageAttempts"/> later turns into <c>job-retried</c> or <c>job-failed</c>.
/// Nothing here throws into the pipe: the consumer's own exception is rethrown untouched.
/// </summary>
internal sealed class ConsumerJobFilter<TConsumer, TMessage>(JobEmitter emitter) : IFilter<ConsumerConsumeContext<TConsumer, TMessage>>
    where TConsumer : class
    where TMessage : class
{
    private static readonly string Name = TypeNames.Of(typeof(TConsumer));

    public void Probe(ProbeContext context) => context.CreateFilterScope("jobExporter");

    public async Task Send(ConsumerConsumeContext<TConsumer, TMessage> context, IPipe<ConsumerConsumeContext<TConsumer, TMessage>> next)
    {
        var attempt = Start(context);
        try
        {
            await next.Send(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fault(context, attempt, ex);
            throw;
        }
        Succeed(attempt);
    }

    private Attempt? Start(ConsumeContext context)
    {
        try
        {
            emitter.ConsumerStarted();
            var queue = QueueNames.Of(context.ReceiveContext.InputAddress);
            var jobId = context.MessageId?.ToString("N");
            var retryAttempt = context.GetRetryAttempt();
            if (context.ReceiveContext.TryGetPayload<MessageAttempts>(out var attempts)) PublishAll(attempts.Starting(Name, retryAttempt));
            emitter.Publish(emitter.Events.PendingJob(EventType.JobReceived, Name, queue, jobId));
            var wait = MessageAttempts.Waited(retryAttempt) ? WaitSince(context.SentTime) : null;
            emitter.Publish(emitter.Events.PendingJob(EventType.JobStarted, Name, queue, jobId, wait: wait));
            return new Attempt(queue, jobId, Stopwatch.GetTimestamp());
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
            return null;
        }
    }

    private void Succeed(Attempt? attempt)
    {
        try
        {
            emitter.ConsumerEnded();
            if (attempt is not { } a) return;
            emitter.Publish(emitter.Events.PendingJob(EventType.JobSucceeded, Name, a.Queue, a.JobId,
                runtime: Stopwatch.GetElapsedTime(a.StartedAt).TotalSeconds));
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
        }
    }

    private void Fault(ConsumeContext context, Attempt? attempt, Exception exception)
    {
        try
        {
            emitter.ConsumerEnded();
            if (attempt is not { } a) return;
            var exceptionName = exception.GetType().Name;
            var failed = emitter.Events.Job(EventType.JobFailed, Name, a.Queue, a.JobId,
                runtime: Stopwatch.GetElapsedTime(a.StartedAt).TotalSeconds, exception: exceptionName);
            var retried = emitter.Events.Job(EventType.JobRetried, Name, a.Queue, a.JobId, exception: exceptionName);
            context.ReceiveContext.GetOrAddPayload(() => new MessageAttempts()).Failed(new FailedAttempt(Name, exception, retried, failed));
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
        }
    }

    private void PublishAll(List<JobEvent>? events)
    {
        if (events is null) return;
        foreach (var e in events) emitter.Publish(e);
    }

    // Seconds from the sender's clock to ours; clocks drift, so a negative wait is taken as none.
    private double? WaitSince(DateTime? sentTime)
    {
        if (sentTime is not { } sent) return null;
        var sentUtc = sent.Kind == DateTimeKind.Local ? sent.ToUniversalTime() : DateTime.SpecifyKind(sent, DateTimeKind.Utc);
        var wait = (emitter.Time.GetUtcNow().UtcDateTime - sentUtc).TotalSeconds;
        return wait > 0 ? wait : 0;
    }

    // A struct: what one attempt remembers costs the message no allocation of its own.
    private readonly record struct Attempt(string Queue, string? JobId, long StartedAt);
}
