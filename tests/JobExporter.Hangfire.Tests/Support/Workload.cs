using Hangfire;
using Hangfire.States;

namespace JobExporter.Hangfire.Tests.Support;

/// <summary>
/// One run of every outcome the emitter reports, on two queues, and the exact number of each event it must
/// produce. Jobs are created before the server starts, so the two workers pick them up as a backlog.
/// </summary>
internal static class Workload
{
    public const int Succeeding = 5;
    public const int OnCritical = 3;

    public static void Enqueue(BackgroundJobClient client)
    {
        for (var i = 0; i < Succeeding; i++) client.Enqueue(() => TestJobs.Succeed());
        for (var i = 0; i < OnCritical - 1; i++) client.Enqueue(() => TestJobs.Critical());
        client.Create(() => TestJobs.Critical(), new EnqueuedState("default")); // the attribute wins, as in Hangfire
        client.Enqueue(() => TestJobs.Flaky(Guid.NewGuid().ToString()));
        client.Enqueue(() => TestJobs.AlwaysFails());
        client.Enqueue(() => TestJobs.FailsAndIsDeleted());
        client.Enqueue(() => TestJobs.Rejected());
        client.Schedule(() => TestJobs.Later(), TimeSpan.FromMilliseconds(500));
        var parent = client.Enqueue(() => TestJobs.Succeed());
        client.ContinueJobWith(parent, () => TestJobs.Then(), new EnqueuedState("critical"));
        var never = client.Schedule(() => TestJobs.Never(), TimeSpan.FromHours(1));
        client.Delete(never);
        var parked = client.Create(() => TestJobs.Never(), new EnqueuedState("parked"));
        client.Delete(parked);
    }

    /// <summary>(type, name, queue, count): every job event the workload must produce, and no other.</summary>
    public static IReadOnlyList<(string Type, string Name, string Queue, int Count)> Expected { get; } =
    [
        ("job-sent", "TestJobs.Succeed", "default", Succeeding + 1),
        ("job-received", "TestJobs.Succeed", "default", Succeeding + 1),
        ("job-started", "TestJobs.Succeed", "default", Succeeding + 1),
        ("job-succeeded", "TestJobs.Succeed", "default", Succeeding + 1),
        ("job-sent", "critical work", "critical", OnCritical),
        ("job-received", "critical work", "critical", OnCritical),
        ("job-started", "critical work", "critical", OnCritical),
        ("job-succeeded", "critical work", "critical", OnCritical),
        ("job-sent", "TestJobs.Flaky", "default", 1),
        ("job-received", "TestJobs.Flaky", "default", 2),
        ("job-started", "TestJobs.Flaky", "default", 2),
        ("job-retried", "TestJobs.Flaky", "default", 1),
        ("job-succeeded", "TestJobs.Flaky", "default", 1),
        ("job-sent", "TestJobs.AlwaysFails", "default", 1),
        ("job-received", "TestJobs.AlwaysFails", "default", 2),
        ("job-started", "TestJobs.AlwaysFails", "default", 2),
        ("job-retried", "TestJobs.AlwaysFails", "default", 1),
        ("job-failed", "TestJobs.AlwaysFails", "default", 1),
        ("job-sent", "TestJobs.FailsAndIsDeleted", "default", 1),
        ("job-received", "TestJobs.FailsAndIsDeleted", "default", 1),
        ("job-started", "TestJobs.FailsAndIsDeleted", "default", 1),
        ("job-failed", "TestJobs.FailsAndIsDeleted", "default", 1),
        ("job-sent", "TestJobs.Rejected", "default", 1),
        ("job-received", "TestJobs.Rejected", "default", 1),
        ("job-rejected", "TestJobs.Rejected", "default", 1),
        ("job-sent", "TestJobs.Later", "default", 1),
        ("job-received", "TestJobs.Later", "default", 1),
        ("job-started", "TestJobs.Later", "default", 1),
        ("job-succeeded", "TestJobs.Later", "default", 1),
        ("job-sent", "TestJobs.Then", "critical", 1),
        ("job-received", "TestJobs.Then", "critical", 1),
        ("job-started", "TestJobs.Then", "critical", 1),
        ("job-succeeded", "TestJobs.Then", "critical", 1),
        ("job-sent", "TestJobs.Never", "default", 1),
        ("job-revoked", "TestJobs.Never", "default", 1),
        ("job-sent", "TestJobs.Never", "parked", 1),
        ("job-revoked", "TestJobs.Never", "parked", 1),
    ];

    /// <summary>Job events in all: the condition that the run is over.</summary>
    public static int ExpectedJobEvents { get; } = Expected.Sum(e => e.Count);
}
