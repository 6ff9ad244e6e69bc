using MassTransit;
using Microsoft.Extensions.Configuration;

namespace JobExporter.MassTransit;

/// <summary>The one-line set-up inside <c>services.AddMassTransit(x =&gt; { ...; x.AddJobExporter(); })</c>.</summary>
public static class JobExporterBusRegistrationExtensions
{
    /// <summary>Adds the emitter, with options from the <c>JobExporter</c> configuration section and then from <paramref name="configure"/>.</summary>
    public static IBusRegistrationConfigurator AddJobExporter(this IBusRegistrationConfigurator configurator,
        Action<JobExporterMassTransitOptions>? configure = null)
    {
        configurator.AddJobExporterMassTransit(configure);
        return configurator;
    }

    /// <summary>Adds the emitter, with options bound from <paramref name="section"/> and then from <paramref name="configure"/>.</summary>
    public static IBusRegistrationConfigurator AddJobExporter(this IBusRegistrationConfigurator configurator, IConfiguration section,
        Action<JobExporterMassTransitOptions>? configure = null)
    {
        configurator.AddJobExporterMassTransit(section, configure);
        return configurator;
    }
}
