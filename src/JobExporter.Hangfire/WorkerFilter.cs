using System.Diagnostics;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;
using JobExporter.Contracts;
using JobExporter.Hangfire.Attempts;
using JobExporter.Hangfire.States;

namespace JobExporter.Hangfire;

/// <summary>
/// The emitter's one filter on the worker side, installed last in Hangfire's order (int.MaxValue): after every global
/// election filter (so it sees the state they settled on, such as <c>AutomaticRetry</c>'s retry) and inside every global
/// server filter (so the runtime covers the job, and a filter that cancels the job first leaves it received, never
/// started). Type- and method-scoped filters of the same order (as <c>[Queue]</c> is) come after it. It is the one
/// adapter between Hangfire and the attempt's rules: it turns each call into plain values for
/// <see cref="AttemptRules"/>, and carries out the step they return on this thread's <see cref="JobAttempt"/>.
/// <para>
/// Why so few hooks: Hangfire's worker measures every filter call for its slow log (a new timer each call), which
/// costs more than what the emitter's hooks do. This filter takes four calls a job (two elections, performing and
/// performed), where the emitter's two filters of all kinds took ten, and the emitter's added CPU per no-op job fell
/// from about 7 to 5 µs with the broker away (make bench). Election, not state application, because Hangfire makes two
/// apply calls a state change and one election call.
/// </para>
/// </summary>
internal sealed class WorkerFilter(JobExporterEmitter emitter) : IServerFilter, IElectStateFilter
{
    // What Hangfire 1.8 puts in the job's items (handed to the election as custom data) when a filter cancels the job.
    private const string CanceledKey = "X_HF_Canceled";

    // Hangfire 1.8's worker takes a job on one thread: the election that moves it to Processing, the performing filters,
    // the job, the performed filters and the next election. So the attempt lives with the thread; a user's delete comes
    // from another thread, which holds no attempt at that job.
    [ThreadStatic]
    private static JobAttempt? _thisThread;

    // Set once a storage's transactions turn out unable to set job parameters: its jobs cost the worker one read instead.
    private volatile bool _parametersUnsupported;

    private static JobAttempt ThisThread => _thisThread ??= new JobAttempt();

    public void OnStateElection(ElectStateContext context)
    {
        try
        {
            var job = context.BackgroundJob;
            var attempt = ThisThread;
            var phase = attempt.PhaseOf(job.Id);
            var step = AttemptRules.Elected(ElectionOf(context), phase, attempt.Runtime, attempt.Exception);
            if (step.Takes)
            {
                // The queue and the enqueue time come with the job (EnqueuedFacts in its parameters, no storage read).
                var facts = EnqueuedFacts.Of(context);
                attempt.Take(job.Id, JobNames.Of(job.Job), facts.Queue, facts.EnqueuedAt);
            }
            else if (step.Next != phase)
            {
                attempt.MoveTo(step.Next, Stopwatch.GetTimestamp());
            }
            if (step.Event is { } type)
            {
                var name = step.ByAttempt ? attempt.Name : JobNames.Of(job.Job);
                var queue = step.ByAttempt ? attempt.Queue : EnqueuedFacts.Of(context).Queue;
                emitter.PublishJob(type, name, queue, job.Id, runtime: step.Runtime, exception: step.Exception);
            }
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnStateElection), ex);
        }
        if (context.CandidateState is EnqueuedState enqueued) RecordEnqueuedFacts(context, enqueued);
    }

    public void OnPerforming(PerformingContext context)
    {
        try
        {
            var job = context.BackgroundJob;
            var attempt = ThisThread;
            var step = AttemptRules.Performing(attempt.PhaseOf(job.Id));
            if (step.Takes)
            {
                var facts = EnqueuedFacts.Of(job);
                attempt.Take(job.Id, JobNames.Of(job.Job), facts.Queue, facts.EnqueuedAt);
            }
            if (step.Running > 0) emitter.Core.JobStarted();
            // The run's clock starts before the publish, so that a publisher that throws cannot leave the job counted as
            // running (the performed hook ends only a started attempt).
            attempt.MoveTo(step.Next, Stopwatch.GetTimestamp());
            if (step.Event is { } type) emitter.PublishJob(type, attempt.Name, attempt.Queue, job.Id, wait: attempt.WaitAt(emitter.Now()));
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnPerforming), ex);
        }
    }

    public void OnPerformed(PerformedContext context)
    {
        var attempt = ThisThread;
        var phase = attempt.PhaseOf(context.BackgroundJob.Id);
        var step = AttemptRules.Performed(phase, IsShutdown(context));
        if (step.Next == phase) return;
        try
        {
            if (step.Running < 0) emitter.Core.JobEnded();
            var exception = context.Exception is { } thrown && !context.ExceptionHandled ? ExceptionNames.Of(thrown) : null;
            attempt.MoveTo(step.Next, Stopwatch.GetTimestamp(), exception);
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(OnPerformed), ex);
        }
    }

    // The election in plain values. A retry filter elects Failed, then Scheduled, Enqueued or Deleted instead: the
    // failure it replaced is among the traversed states.
    private static Election ElectionOf(ElectStateContext context)
    {
        var candidate = context.CandidateState;
        var failure = candidate as FailedState ?? ReplacedFailure(context);
        return new Election(
            FromProcessing: context.CurrentState == ProcessingState.StateName,
            Candidate: candidate switch
            {
                EnqueuedState => ElectedState.Enqueued,
                ProcessingState => ElectedState.Processing,
                SucceededState => ElectedState.Succeeded,
                FailedState => ElectedState.Failed,
                DeletedState => ElectedState.Deleted,
                _ => ElectedState.Other,
            },
            Failure: failure is not null,
            FailureException: failure?.Exception is { } thrown ? ExceptionNames.Of(thrown) : null,
            Canceled: context.CustomData is { } items && items.ContainsKey(CanceledKey));
    }

    private static FailedState? ReplacedFailure(ElectStateContext context)
    {
        // Indexed when Hangfire hands a list (it does), so the usual election allocates no enumerator.
        if (context.TraversedStates is IReadOnlyList<IState> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is FailedState failed) return failed;
            }
            return null;
        }
        foreach (var state in context.TraversedStates)
        {
            if (state is FailedState failed) return failed;
        }
        return null;
    }

    // A job stopped by a server shutdown is put back in its queue without a state change.
    private static bool IsShutdown(PerformedContext context) =>
        context.Exception is JobAbortedException
        || context.Exception is OperationCanceledException && context.CancellationToken.ShutdownToken.IsCancellationRequested;

    /// <summary>
    /// When a job is about to be enqueued (created, scheduled time reached, retried, continued), records its queue and the
    /// time as a job parameter (<see cref="EnqueuedFacts"/>) in the transaction that enqueues it: no extra round trip, and
    /// the worker that takes the job gets it for free. Storages whose transactions cannot set parameters are noticed once
    /// and then left alone; their jobs cost the worker one read of the enqueued state.
    /// </summary>
    private void RecordEnqueuedFacts(ElectStateContext context, EnqueuedState enqueued)
    {
        if (_parametersUnsupported) return;
        try
        {
            if (context.Transaction is not JobStorageTransaction transaction)
            {
                _parametersUnsupported = true;
                return;
            }
            // The queue as Hangfire will settle it: a [Queue] attribute changes the state's queue in its own election, which
            // may come after this one (it has the same order, int.MaxValue, and a narrower scope).
            var job = context.BackgroundJob;
            transaction.SetJobParameter(job.Id, EnqueuedFacts.ParameterName, EnqueuedFacts.Format(enqueued, JobQueues.Of(job.Job, enqueued)));
        }
        catch (NotSupportedException)
        {
            _parametersUnsupported = true;
        }
        catch (Exception ex)
        {
            emitter.HookFailed(nameof(RecordEnqueuedFacts), ex);
        }
    }
}
