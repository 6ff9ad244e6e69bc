using System.Collections.Concurrent;
using Hangfire;
using Hangfire.Server;

namespace JobExporter.Hangfire.Tests.Support;

/// <summary>The jobs the tests enqueue. Hangfire stores them by type and method name, so they are public and static.</summary>
public static class TestJobs
{
    private static readonly ConcurrentDictionary<string, int> Attempts = new();

    /// <summary>Held by <see cref="Block"/> until a test releases it.</summary>
    public static SemaphoreSlim Gate { get; } = new(0);

    public static void Succeed()
    {
    }

    public static void Later()
    {
    }

    public static void Then()
    {
    }

    public static void Never()
    {
    }

    [Queue("critical")]
    [JobDisplayName("critical work")]
    public static void Critical()
    {
    }

    /// <summary>Throws on its first attempt only; retried at once.</summary>
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [0])]
    public static void Flaky(string key)
    {
        if (Attempts.AddOrUpdate(key, 1, (_, n) => n + 1) == 1) throw new InvalidOperationException("first attempt fails");
    }

    /// <summary>Always throws; retried once a second later (through the scheduler), then failed for good.</summary>
    [AutomaticRetry(Attempts = 1, DelaysInSeconds = [1])]
    public static void AlwaysFails() => throw new TimeoutException("never works");

    /// <summary>Always throws; no retry, and Hangfire deletes it rather than keeping it failed.</summary>
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public static void FailsAndIsDeleted() => throw new ArgumentException("bad argument");

    [CancelBeforeRun]
    public static void Rejected() => throw new InvalidOperationException("a cancelled job never runs");

    [HandleExceptions]
    public static void ThrowsButIsHandled() => throw new InvalidOperationException("an outer filter handles it");

    /// <summary>Never runs: a filter around it throws first, once and again on its one retry.</summary>
    [ThrowBeforeRun]
    [AutomaticRetry(Attempts = 1, DelaysInSeconds = [0])]
    public static void FilterThrowsFirst()
    {
    }

    /// <summary>The client <see cref="DeletesItself"/> deletes with (the test's, with the emitter's filters).</summary>
    public static IBackgroundJobClient? Client { get; set; }

    /// <summary>Deletes its own job while it runs. Hangfire passes the context in place of the null it is enqueued with.</summary>
    public static void DeletesItself(PerformContext? context) => Client!.Delete(context!.BackgroundJob.Id);

    public static void Block()
    {
        if (!Gate.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("nobody released the gate");
    }
}

/// <summary>A filter that cancels the job before it runs, as a throttling or concurrency filter would.</summary>
public sealed class CancelBeforeRunAttribute : global::Hangfire.Common.JobFilterAttribute, IServerFilter
{
    public void OnPerforming(PerformingContext context) => context.Canceled = true;

    public void OnPerformed(PerformedContext context)
    {
    }
}

/// <summary>A filter that handles whatever the job throws, so that Hangfire counts the job as succeeded.</summary>
public sealed class HandleExceptionsAttribute : global::Hangfire.Common.JobFilterAttribute, IServerFilter
{
    public void OnPerforming(PerformingContext context)
    {
    }

    public void OnPerformed(PerformedContext context)
    {
        if (context.Exception is not null) context.ExceptionHandled = true;
    }
}

/// <summary>A filter that throws before the job runs, as a lock that cannot be taken would.</summary>
public sealed class ThrowBeforeRunAttribute : global::Hangfire.Common.JobFilterAttribute, IServerFilter
{
    public void OnPerforming(PerformingContext context) => throw new TimeoutException("the lock was not free");

    public void OnPerformed(PerformedContext context)
    {
    }
}
