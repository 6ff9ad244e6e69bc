using JobExporter.Contracts;
using JobExporter.Emitter;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<JobExporterMassTransitOptions>();
        if (section is not null) options.Configure(o => Bind(section, o));
        else options.Configure<IServiceProvider>((o, provider) =>
        {
            if (provider.GetService<IConfiguration>() is { } configuration) Bind(configuration.GetSection(EventPublisherOptions.SectionName), o);
        });
        if (configure is not null) options.Configure(configure);

        // The rest once, however often the options are added to.
        if (services.Any(d => d.ServiceType == typeof(JobEmitter))) return services;
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobExporterMassTransitOptions>, OptionsValidator>());
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

    /// <summary>The shared settings from the <c>JobExporter</c> section, then what the <c>MassTransit</c> sub-section says.</summary>
    private static void Bind(IConfiguration section, JobExporterMassTransitOptions options)
    {
        section.Bind(options);
        section.GetSection(JobExporterMassTransitOptions.SubSection).Bind(options);
    }

    /// <summary>Checks the settings at start by the emitters' one rule set, naming every bad setting at once.</summary>
    private sealed class OptionsValidator : IValidateOptions<JobExporterMassTransitOptions>
    {
        public ValidateOptionsResult Validate(string? name, JobExporterMassTransitOptions options)
        {
            var problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
