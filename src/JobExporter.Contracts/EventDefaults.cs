namespace JobExporter.Contracts;

/// <summary>Defaults shared by emitters and the exporter.</summary>
internal static class EventDefaults
{
    /// <summary>The durable topic exchange events are published to.</summary>
    public const string ExchangeName = "jobs.events";

    /// <summary>Seconds between worker heartbeats.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);
}
