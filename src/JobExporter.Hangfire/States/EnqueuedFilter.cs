using Hangfire.States;
using Hangfire.Storage;

namespace JobExporter.Hangfire.States;

/// <summary>
/// When a job is enqueued (created, scheduled time reached, retried, continued), records its queue and the time as
/// a job parameter (<see cref="EnqueuedFacts"/>) in the transaction that enqueues it: no extra round trip, and the
/// worker that takes the job gets it for free. Storages whose transactions cannot set parameters are noticed once
/// and then left alone; their jobs are reported with the queue Hangfire's job knows and no wait.
/// </summary>
internal sealed class EnqueuedFilter(JobExporterEmitter emitter) : IApplyStateFilter
{
    private volatile bool _unsupported;

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (_unsupported || context.NewState is not EnqueuedState enqueued) return;
        try
        {
            if (transaction is not JobStorageTransaction storageTransaction)
            {
                _unsupported = true;
                return;
            }
            storageTransaction.SetJobParameter(context.BackgroundJob.Id, EnqueuedFacts.ParameterName, EnqueuedFacts.Format(enqueued));
        }
        catch (NotSupportedException)
        {
            _unsupported = true;
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnStateApplied), ex);
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }
}
