using JobExporter.Contracts;
using MassTransit;

namespace JobExporter.MassTransit;

/// <summary>
/// Hands the receive endpoint's view of a message to its <see cref="MessageAttempts"/>, which gives each failed attempt its verdict:
/// MassTransit reports a consumer's fault here only once its retry policy has given up (<c>job-failed</c>);
/// failures still pending when the message is done were retried (<c>job-retried</c>); a message that no
/// consumer took goes to <c>&lt;queue&gt;_skipped</c> (<c>job-rejected</c>).
/// </summary>
internal sealed class JobOutcomeObserver(JobEmitter emitter) : IReceiveObserver
{
    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context)
    {
        try
        {
            FlushRetried(context);
            if (MessageAttempts.Skipped(context.IsDelivered, context.IsFaulted))
            {
                emitter.Publish(emitter.Events.Job(EventType.JobRejected, SkippedMessageName(context), QueueNames.Of(context.InputAddress),
                    MessageIdOf(context)));
            }
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
        }
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class
    {
        try
        {
            var consumer = TypeNames.FromShortName(consumerType);
            var seen = context.ReceiveContext.TryGetPayload<MessageAttempts>(out var attempts) ? attempts.Faulted(exception, consumer) : null;
            // Without an attempt, the fault comes from something this emitter did not see start
            // (a handler, a saga, a consumer that could not be created): MassTransit's own figures are used.
            var failed = seen ?? (emitter.Events.Job(EventType.JobFailed, consumer,
                QueueNames.Of(context.ReceiveContext.InputAddress), context.MessageId?.ToString("N")) with
            {
                Runtime = duration.TotalSeconds,
                Exception = exception.GetType().Name,
            });
            emitter.Publish(failed);
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
        }
        return Task.CompletedTask;
    }

    public Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        try
        {
            FlushRetried(context);
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
        }
        return Task.CompletedTask;
    }

    private void FlushRetried(ReceiveContext context)
    {
        if (!context.TryGetPayload<MessageAttempts>(out var attempts) || attempts.Done() is not { } retried) return;
        foreach (var e in retried) emitter.Publish(e);
    }

    private static string SkippedMessageName(ReceiveContext context) =>
        EnvelopeMessageType.Of(context) is { } urn ? TypeNames.FromUrn(urn) : QueueNames.Unknown;

    private static string? MessageIdOf(ReceiveContext context)
    {
        if (!context.TransportHeaders.TryGetHeader(MessageHeaders.MessageId, out var value)) return null;
        return Guid.TryParse(value?.ToString(), out var id) ? id.ToString("N") : null;
    }
}
