using Hangfire.Server;
using Hangfire.States;
using JobExporter.Hangfire.Server;
using JobExporter.Hangfire.States;

namespace JobExporter.Hangfire;

/// <summary>
/// The emitter's one filter on the worker side, installed last in Hangfire's order (int.MaxValue): after every global
/// election filter (so it sees the state they settled on, such as <c>AutomaticRetry</c>'s retry) and inside every global
/// server filter (so the runtime covers the job, and a filter that cancels the job first leaves it received, never
/// started). Type- and method-scoped filters of the same order (as <c>[Queue]</c> is) come after it. It hands each call
/// to the class that owns that step; it spans the server and the state hooks, hence its place at the root.
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
    private readonly EnqueuedFactsWriter _enqueued = new(emitter);
    private readonly JobReceivedHook _received = new(emitter);
    private readonly JobStartedHook _started = new(emitter);
    private readonly OutcomeHook _outcome = new(emitter);

    public void OnStateElection(ElectStateContext context)
    {
        // Leaving Processing: what the attempt came to. Then where the job goes: a worker took it, or it is enqueued.
        _outcome.OnElected(context);
        switch (context.CandidateState)
        {
            case ProcessingState:
                _received.OnProcessingElected(context);
                break;
            case EnqueuedState enqueued:
                _enqueued.OnEnqueuedElected(context, enqueued);
                break;
        }
    }

    public void OnPerforming(PerformingContext context) => _started.OnPerforming(context);

    public void OnPerformed(PerformedContext context) => _started.OnPerformed(context);
}
