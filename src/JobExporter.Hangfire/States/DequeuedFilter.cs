using Hangfire.Common;
using Hangfire.States;

namespace JobExporter.Hangfire.States;

/// <summary>
/// The fallback for jobs that reach a worker without <see cref="EnqueuedFacts"/> in the parameters that came with
/// them (a continuation enqueued by its parent, a job enqueued before the emitter was installed, a storage without
/// parameter snapshots): when the worker moves such a job from Enqueued to Processing, reads the enqueued state it
/// leaves (one storage read on the connection the worker already holds) for the queue and the enqueue time.
/// Jobs that carry the facts, the usual case, cost no read.
/// </summary>
internal sealed class DequeuedFilter(JobExporterEmitter emitter) : IElectStateFilter
{
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not ProcessingState || context.CurrentState != EnqueuedState.StateName) return;
        if (context.BackgroundJob.ParametersSnapshot?.ContainsKey(EnqueuedFacts.ParameterName) == true) return;
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
