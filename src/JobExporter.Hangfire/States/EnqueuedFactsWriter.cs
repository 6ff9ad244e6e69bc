using Hangfire.States;
using Hangfire.Storage;

namespace JobExporter.Hangfire.States;

/// <summary>
/// When a job is about to be enqueued (created, scheduled time reached, retried, continued), records its queue and the
/// time as a job parameter (<see cref="EnqueuedFacts"/>) in the transaction that enqueues it: no extra round trip, and
/// the worker that takes the job gets it for free. Storages whose transactions cannot set parameters are noticed once
/// and then left alone; their jobs cost the worker one read (<see cref="Server.JobReceivedHook"/>).
/// </summary>
internal sealed class EnqueuedFactsWriter(JobExporterEmitter emitter)
{
    private volatile bool _unsupported;

    public void OnEnqueuedElected(ElectStateContext context, EnqueuedState enqueued)
    {
        if (_unsupported) return;
        try
        {
            if (context.Transaction is not JobStorageTransaction transaction)
            {
                _unsupported = true;
                return;
            }
            // The queue as Hangfire will settle it: a [Queue] attribute changes the state's queue in its own election, which
            // may come after this one (it has the same order, int.MaxValue, and a narrower scope).
            var job = context.BackgroundJob;
            transaction.SetJobParameter(job.Id, EnqueuedFacts.ParameterName, EnqueuedFacts.Format(enqueued, JobQueues.Of(job.Job, enqueued)));
        }
        catch (NotSupportedException)
        {
            _unsupported = true;
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnEnqueuedElected), ex);
        }
    }
}
