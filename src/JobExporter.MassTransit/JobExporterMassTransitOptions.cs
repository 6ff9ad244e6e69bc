using JobExporter.Contracts;
using JobExporter.Emitter;

namespace JobExporter.MassTransit;

/// <summary>
/// Settings of the MassTransit emitter: every setting is the emitters' shared one (<see cref="EventPublisherOptions"/>),
/// bound from the <c>JobExporter</c> section; the <c>JobExporter:MassTransit</c> sub-section (<see cref="SubSection"/>),
/// read after it, holds what applies to the MassTransit emitter only (for example a Hostname of its own when one
/// process runs both emitters). The events broker need not be the bus's own broker, so BrokerUrl has no default.
/// </summary>
public sealed class JobExporterMassTransitOptions : EventPublisherOptions
{
    /// <summary>The sub-section of <c>JobExporter</c> read after it: <c>MassTransit</c>.</summary>
    public const string SubSection = "MassTransit";
}
