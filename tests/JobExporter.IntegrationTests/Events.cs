using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests;

/// <summary>Helpers shared by the integration tests: a realistic job life, and waiting on the exporter's counts.</summary>
internal static class Events
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The events of one job that succeeds: sent, received, started, succeeded.</summary>
    public static IEnumerable<JobEvent> SucceededJob(EventFactory f, string name, string queue, double runtime = 0.2) =>
    [
        f.Job(EventType.JobSent, name, queue),
        f.Job(EventType.JobReceived, name, queue),
        f.Job(EventType.JobStarted, name, queue) with { Wait = 0.5 },
        f.Job(EventType.JobSucceeded, name, queue) with { Runtime = runtime },
    ];

    public static double Applied(MetricsSnapshot m) => m.Value("jobs_exporter_events_total") ?? 0;

    public static Task<MetricsSnapshot> WaitForAppliedAsync(ExporterProcess exporter, double count) =>
        exporter.WaitForMetricsAsync(m => Applied(m) >= count, Patience, $"{count} events applied");
}
