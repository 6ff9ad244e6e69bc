using Hangfire.States;
using JobExporter.Contracts;
using JobExporter.Hangfire.States;

namespace JobExporter.Hangfire.Server;

/// <summary>
/// Publishes job-received when a worker moves a job to Processing (from its queue, or again after a shutdown put it
/// back), before any server filter runs, and starts the thread's <see cref="JobAttempt"/>. The queue and the enqueue
/// time come with the job (<see cref="EnqueuedFacts"/> in its parameters, no storage read). A job without them (a job
/// enqueued before the emitter was installed, a storage without parameter snapshots) costs one read of the enqueued
/// state it leaves, on the connection the worker holds.
/// </summary>
internal sealed class JobReceivedHook(JobExporterEmitter emitter)
{
    public void OnProcessingElected(ElectStateContext context)
    {
        try
        {
            var job = context.BackgroundJob;
            // The worker elects again when its state change failed to commit: the job was received once.
            if (JobAttempt.Of(job.Id) is { Now: JobAttempt.Phase.Received }) return;
            var facts = EnqueuedFacts.Of(context);
            var name = JobNames.Of(job.Job);
            JobAttempt.ThisThread.Receive(job.Id, name, facts.Queue, facts.EnqueuedAt);
            emitter.PublishJob(EventType.JobReceived, name, facts.Queue, job.Id);
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnProcessingElected), ex);
        }
    }
}
