using JobExporter.Contracts;
using MassTransit;

namespace JobExporter.MassTransit;

/// <summary>
/// <c>job-sent</c> for each message the bus sends or publishes: name = the message type, queue = the last
/// segment of the destination address (the queue for a send; for a publish, the message type's exchange,
/// since the queues bound to it are not known here). MassTransit's own messages (faults) are not jobs.
/// </summary>
internal sealed class JobSentObserver(JobEmitter emitter) : ISendObserver, IPublishObserver
{
    public Task PreSend<T>(SendContext<T> context) where T : class => Task.CompletedTask;

    public Task PostSend<T>(SendContext<T> context) where T : class
    {
        Sent(typeof(T), context.DestinationAddress, context.MessageId);
        return Task.CompletedTask;
    }

    public Task SendFault<T>(SendContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context) where T : class
    {
        Sent(typeof(T), context.DestinationAddress, context.MessageId);
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    private void Sent(Type messageType, Uri? destination, Guid? messageId)
    {
        try
        {
            if (TypeNames.IsFrameworkMessage(messageType)) return;
            emitter.Publish(emitter.Events.PendingJob(EventType.JobSent, TypeNames.Of(messageType), QueueNames.Of(destination), messageId?.ToString("N")));
        }
        catch (Exception ex)
        {
            emitter.Failed(ex);
        }
    }
}
