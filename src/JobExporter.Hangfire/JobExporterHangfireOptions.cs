using JobExporter.Contracts;
using JobExporter.Emitter;
using JobExporter.Hangfire.Backlog;

namespace JobExporter.Hangfire;

/// <summary>
/// Settings of the Hangfire emitter: every setting is the emitters' shared one (<see cref="EventPublisherOptions"/>),
/// bound from the <c>JobExporter</c> section; the <c>JobExporter:Hangfire</c> sub-section (<see cref="SubSection"/>),
/// read after it, holds what applies to the Hangfire emitter only (for example a Hostname of its own when one
/// process runs both emitters).
/// </summary>
public sealed class JobExporterHangfireOptions : EventPublisherOptions
{
    /// <summary>The sub-section of <c>JobExporter</c> read after it: <c>Hangfire</c>.</summary>
    public const string SubSection = "Hangfire";

    /// <summary>The value of the <c>system</c> label for every event this emitter sends.</summary>
    public const string System = SystemNames.Hangfire;

    /// <summary>The backlog reporter (<c>JobExporter:Hangfire:Backlog</c>): on by default, every 15 s, 5 s per read.</summary>
    public BacklogOptions Backlog { get; set; } = new();
}
