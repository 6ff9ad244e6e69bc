using Hangfire.Common;
using Hangfire.States;

namespace JobExporter.Hangfire.States;

/// <summary>
/// When a worker moves a job from Enqueued to Processing, reads the enqueued state it leaves (one storage read on
/// the connection the worker already holds) for the queue the job was taken from and the time it was enqueued,
/// so that job-received and job-started carry the real queue and the wait.
/// </summary>
internal sealed class DequeuedFilter(JobExporterEmitter emitter) : IElectStateFilter
{
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not ProcessingState || context.CurrentState != EnqueuedState.StateName) return;
        try
        {
            var id = context.BackgroundJob.Id;
            var state = context.Connection.GetStateData(id);
            string? queue = null;
            double? enqueuedAt = null;
            if (state is { Data: { } data } && state.Name == EnqueuedState.StateName)
            {
                if (data.TryGetValue("Queue", out var q) && !string.IsNullOrEmpty(q)) queue = q;
                if (data.TryGetValue("EnqueuedAt", out var at) && JobHelper.DeserializeNullableDateTime(at) is { } time)
                {
                    enqueuedAt = new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds() / 1000.0;
                }
            }
            emitter.Jobs.Dequeued(id, queue ?? JobQueues.Of(context.BackgroundJob.Job), enqueuedAt);
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnStateElection), ex);
        }
    }
}
