using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;

namespace JobExporter.Hangfire.Tests.Support;

/// <summary>
/// Wraps one of the emitter's filters and times every hook call, keyed by job id, so that a test can tell what
/// the emitter costs each job and that no call ever waited on the broker.
/// </summary>
internal sealed class TimingFilter(object inner, ConcurrentBag<(string JobId, long Ticks)> calls)
    : IClientFilter, IServerFilter, IElectStateFilter, IApplyStateFilter
{
    public void OnCreating(CreatingContext context) => Time(null, () => (inner as IClientFilter)?.OnCreating(context));

    public void OnCreated(CreatedContext context) => Time(context.BackgroundJob?.Id, () => (inner as IClientFilter)?.OnCreated(context));

    public void OnPerforming(PerformingContext context) => Time(context.BackgroundJob.Id, () => (inner as IServerFilter)?.OnPerforming(context));

    public void OnPerformed(PerformedContext context) => Time(context.BackgroundJob.Id, () => (inner as IServerFilter)?.OnPerformed(context));

    public void OnStateElection(ElectStateContext context) => Time(context.BackgroundJob.Id, () => (inner as IElectStateFilter)?.OnStateElection(context));

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction) =>
        Time(context.BackgroundJob.Id, () => (inner as IApplyStateFilter)?.OnStateApplied(context, transaction));

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction) =>
        Time(context.BackgroundJob.Id, () => (inner as IApplyStateFilter)?.OnStateUnapplied(context, transaction));

    private void Time(string? jobId, Action call)
    {
        var start = Stopwatch.GetTimestamp();
        call();
        if (jobId is not null) calls.Add((jobId, Stopwatch.GetTimestamp() - start));
    }

    /// <summary>Installs timed copies of the emitter's filters, in the emitter's own order.</summary>
    public static void InstallTimed(JobExporterEmitter emitter, JobFilterCollection filters, ConcurrentBag<(string, long)> calls)
    {
        foreach (var (filter, order) in emitter.FilterRegistrations)
        {
            var timed = new TimingFilter(filter, calls);
            if (order is { } o) filters.Add(timed, o);
            else filters.Add(timed);
        }
    }
}
