using Hangfire.Server;
using JobExporter.Contracts;
using JobExporter.Emitter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobExporter.Hangfire;

/// <summary>
/// One-line set-up in a host: <c>services.AddJobExporterHangfire()</c> reads the <c>JobExporter</c> section of the
/// app's configuration, then its <c>Hangfire</c> sub-section, then the optional callback. It registers the
/// validated options (checked at start), one <see cref="JobExporterEmitter"/>, its worker process as an
/// <see cref="IBackgroundProcess"/> (which Hangfire's <c>AddHangfireServer</c> picks up), and a hosted service that
/// installs the filters before any hosted service starts.
/// </summary>
public static class JobExporterServiceCollectionExtensions
{
    /// <summary>Adds the emitter, with options from the app's <c>JobExporter</c> section (and its <c>Hangfire</c> sub-section), then <paramref name="configure"/>.</summary>
    public static IServiceCollection AddJobExporterHangfire(this IServiceCollection services, Action<JobExporterHangfireOptions>? configure = null) =>
        services.AddJobExporterHangfire(section: null, configure);

    /// <summary>Adds the emitter, with options bound from <paramref name="section"/> (a <c>JobExporter</c> section) and its
    /// <c>Hangfire</c> sub-section, then <paramref name="configure"/>.</summary>
    public static IServiceCollection AddJobExporterHangfire(this IServiceCollection services, IConfiguration? section,
        Action<JobExporterHangfireOptions>? configure = null)
    {
        var first = EmitterOptionsSetup.AddOptions(services, section, JobExporterHangfireOptions.SubSection, configure,
            o => o.Problems().Concat(o.Backlog.Problems()), s => s.Any(d => d.ServiceType == typeof(JobExporterEmitter)));
        // The rest once, however often the options are added to.
        if (!first) return services;
        services.AddSingleton(provider => new JobExporterEmitter(
            provider.GetRequiredService<IOptions<JobExporterHangfireOptions>>().Value,
            provider.GetService<ILoggerFactory>(),
            provider.GetService<TimeProvider>()));
        services.AddSingleton<IBackgroundProcess>(provider => provider.GetRequiredService<JobExporterEmitter>().WorkerProcess);
        services.AddSingleton<IHostedService, FilterInstaller>();
        return services;
    }

    /// <summary>The shared settings from the <c>JobExporter</c> section, then what the <c>Hangfire</c> sub-section says.</summary>
    internal static void Bind(IConfiguration section, JobExporterHangfireOptions options) =>
        EmitterOptionsSetup.Bind(section, JobExporterHangfireOptions.SubSection, options);
}
