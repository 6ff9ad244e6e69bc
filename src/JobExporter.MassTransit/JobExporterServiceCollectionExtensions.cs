using JobExporter.Contracts;
using JobExporter.Emitter;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobExporter.MassTransit;

/// <summary>
/// Adds the JobExporter emitter to an application that uses MassTransit: every overload funnels into one,
/// which binds the options (the <c>JobExporter</c> section, its <c>MassTransit</c> sub-section, then the callback), validates them at start and
/// connects the observers to the bus that <c>AddMassTransit</c> builds.
/// </summary>
public static class JobExporterServiceCollectionExtensions
{
    /// <summary>Adds the emitter, with options from the <c>JobExporter</c> configuration section (when there is a configuration) and then from <paramref name="configure"/>.</summary>
    public static IServiceCollection AddJobExporterMassTransit(this IServiceCollection services, Action<JobExporterMassTransitOptions>? configure = null) =>
        services.AddJobExporterMassTransit(section: null, configure);

    /// <summary>Adds the emitter, with options bound from <paramref name="section"/> and then from <paramref name="configure"/>.</summary>
    public static IServiceCollection AddJobExporterMassTransit(this IServiceCollection services, IConfiguration? section,
        Action<JobExporterMassTransitOptions>? configure = null)
    {
        var first = EmitterOptionsSetup.AddOptions(services, section, JobExporterMassTransitOptions.SubSection, configure,
            o => o.Problems(), s => s.Any(d => d.ServiceType == typeof(JobEmitter)));
        // The rest once, however often the options are added to.
        if (!first) return services;
        services.AddSingleton(provider => new JobEmitter(
            provider.GetRequiredService<IOptions<JobExporterMassTransitOptions>>(),
            provider.GetService<ILoggerFactory>(),
            provider.GetService<TimeProvider>()));
        services.AddSingleton<ConsumerJobObserver>();
        services.AddSingleton<IConfigureReceiveEndpoint, ReceiveEndpointHook>();
        services.AddSingleton<JobSentObserver>();
        services.AddSendObserver(provider => provider.GetRequiredService<JobSentObserver>());
        services.AddPublishObserver(provider => provider.GetRequiredService<JobSentObserver>());
        services.AddReceiveObserver<JobOutcomeObserver>();
        services.AddBusObserver<BusHeartbeatObserver>();
        return services;
    }
}
