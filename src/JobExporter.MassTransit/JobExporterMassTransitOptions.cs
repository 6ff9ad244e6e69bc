using JobExporter.Contracts;

namespace JobExporter.MassTransit;

/// <summary>
/// Settings of the MassTransit emitter, bound from the <c>JobExporter</c> configuration section
/// (<see cref="SectionName"/>) and then from the code's own callback. Every default is stated here once.
/// </summary>
public sealed class JobExporterMassTransitOptions
{
    /// <summary>The configuration section the options are read from: <c>JobExporter</c>.</summary>
    public const string SectionName = "JobExporter";

    /// <summary>
    /// The broker that receives the events, as an amqp:// or amqps:// URL. Required: there is no default,
    /// because the events broker need not be the bus's own broker.
    /// </summary>
    public Uri? BrokerUrl { get; set; }

    /// <summary>The durable topic exchange events are published to. Default <c>jobs.events</c>.</summary>
    public string Exchange { get; set; } = EventDefaults.ExchangeName;

    /// <summary>The <c>hostname</c> label of every event. Default <see cref="Environment.MachineName"/> (when null or empty).</summary>
    public string? Hostname { get; set; }

    /// <summary>Time between worker heartbeats. Default 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = EventDefaults.HeartbeatInterval;

    /// <summary>
    /// Events held in memory while the events broker is slow or away. Default 10,000; when full, the oldest
    /// is dropped and counted (the heartbeat's <c>dropped</c>).
    /// </summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>The hostname events carry: <see cref="Hostname"/>, or the machine name when it is not set.</summary>
    public string EffectiveHostname => string.IsNullOrWhiteSpace(Hostname) ? Environment.MachineName : Hostname;
}
