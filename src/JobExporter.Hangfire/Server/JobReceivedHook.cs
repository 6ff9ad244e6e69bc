using Hangfire.Common;
using Hangfire.States;
using JobExporter.Contracts;
using JobExporter.Hangfire.States;

namespace JobExporter.Hangfire.Server;

/// <summary>
/// Publishes job-received when a worker moves a job to Processing (from its queue, or again after a shutdown put it
/// back), before any server filter runs. The queue and the enqueue time come with the job (<see cref="EnqueuedFacts"/>
/// in its parameters, no storage read). A job without them (a continuation enqueued by its parent, a job enqueued before
/// the emitter was installed, a storage without parameter snapshots) costs one read of the enqueued state it leaves, on
/// the connection the worker holds; what it read waits in <see cref="RunningJobs"/> for <see cref="JobStartedHook"/>.
/// </summary>
internal sealed class JobReceivedHook(JobExporterEmitter emitter)
{
    public void OnProcessingElected(ElectStateContext context)
    {
        try
        {
            var job = context.BackgroundJob;
            string queue;
            if (EnqueuedFacts.TryRead(job, out var facts))
            {
                queue = facts.Queue;
            }
            else
            {
                var read = ReadEnqueuedState(context);
                emitter.Jobs.Dequeued(job.Id, read);
                queue = read.Queue;
            }
            emitter.PublishJob(EventType.JobReceived, JobNames.Of(job.Job), queue, job.Id);
        }
        catch (Exception ex)
        {
            emitter.HookFailed("received", ex);
        }
    }

    private static EnqueuedFacts ReadEnqueuedState(ElectStateContext context)
    {
        var job = context.BackgroundJob;
        string? queue = null;
        double? enqueuedAt = null;
        if (context.CurrentState == EnqueuedState.StateName
            && context.Connection.GetStateData(job.Id) is { Data: { } data } state && state.Name == EnqueuedState.StateName)
        {
            if (data.TryGetValue("Queue", out var q) && !string.IsNullOrEmpty(q)) queue = q;
            if (data.TryGetValue("EnqueuedAt", out var at) && JobHelper.DeserializeNullableDateTime(at) is { } time)
            {
                enqueuedAt = new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds() / 1000.0;
            }
        }
        return new EnqueuedFacts(queue ?? JobQueues.Of(job.Job), enqueuedAt);
    }
}
