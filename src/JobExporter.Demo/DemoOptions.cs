namespace JobExporter.Demo;

/// <summary>The demo workload, bound from the <c>Demo</c> configuration section. Every default is stated here once.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Jobs (Hangfire) or messages (MassTransit) the worker produces for itself per second. Default 3.</summary>
    public double JobsPerSecond { get; set; } = 3;

    /// <summary>The critical job fails in a burst at the start of every period. Default 5 minutes.</summary>
    public TimeSpan BurstPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long each burst lasts, from the start of its period. Default 90 s.</summary>
    public TimeSpan BurstLength { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Share of the critical job's runs that fail during a burst. Default 0.7.</summary>
    public double BurstFailureRate { get; set; } = 0.7;
}
