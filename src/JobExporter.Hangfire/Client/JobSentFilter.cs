using Hangfire.Client;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.Client;

/// <summary>Publishes job-sent when a job is created: enqueued, scheduled, a continuation, or a recurring run.</summary>
internal sealed class JobSentFilter(JobExporterEmitter emitter) : IClientFilter
{
    public void OnCreating(CreatingContext context)
    {
    }

    public void OnCreated(CreatedContext context)
    {
        try
        {
            if (context.BackgroundJob is not { } job || context.Exception is not null || context.Canceled) return;
            emitter.PublishJob(EventType.JobSent, JobNames.Of(job.Job), JobQueues.Of(job.Job, context.InitialState), job.Id);
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnCreated), ex);
        }
    }
}
