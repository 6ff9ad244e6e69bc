using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobExporter.Hangfire;

/// <summary>
/// One-line set-up on Hangfire's configuration: <c>GlobalConfiguration.Configuration.UseJobExporter(options)</c>,
/// or inside <c>services.AddHangfire((provider, config) => config.UseJobExporter(provider))</c>. Every overload
/// funnels into <see cref="UseJobExporter(IGlobalConfiguration, JobExporterEmitter)"/>. The returned entry is the
/// emitter: pass its <see cref="JobExporterEmitter.WorkerProcess"/> to a <c>BackgroundJobServer</c> so that the
/// host is announced as a worker.
/// </summary>
public static class JobExporterGlobalConfigurationExtensions
{
    /// <summary>Creates an emitter from options, installs its filters globally, and flushes it when the process exits.</summary>
    public static IGlobalConfiguration<JobExporterEmitter> UseJobExporter(this IGlobalConfiguration configuration,
        JobExporterHangfireOptions options, ILoggerFactory? loggerFactory = null)
    {
        var emitter = new JobExporterEmitter(options, loggerFactory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => emitter.DisposeAsync().AsTask().Wait(options.FlushTimeout + TimeSpan.FromSeconds(1));
        return configuration.UseJobExporter(emitter);
    }

    /// <summary>As <see cref="UseJobExporter(IGlobalConfiguration, JobExporterHangfireOptions, ILoggerFactory?)"/>, with options set in code.</summary>
    public static IGlobalConfiguration<JobExporterEmitter> UseJobExporter(this IGlobalConfiguration configuration,
        Action<JobExporterHangfireOptions> configure, ILoggerFactory? loggerFactory = null)
    {
        var options = new JobExporterHangfireOptions();
        configure(options);
        return configuration.UseJobExporter(options, loggerFactory);
    }

    /// <summary>As <see cref="UseJobExporter(IGlobalConfiguration, JobExporterHangfireOptions, ILoggerFactory?)"/>, with options
    /// bound from a <c>JobExporter</c> configuration section and its <c>Hangfire</c> sub-section.</summary>
    public static IGlobalConfiguration<JobExporterEmitter> UseJobExporter(this IGlobalConfiguration configuration,
        IConfiguration section, ILoggerFactory? loggerFactory = null)
    {
        var options = new JobExporterHangfireOptions();
        JobExporterServiceCollectionExtensions.Bind(section, options);
        return configuration.UseJobExporter(options, loggerFactory);
    }

    /// <summary>Uses the emitter registered by <c>services.AddJobExporterHangfire(...)</c>.</summary>
    public static IGlobalConfiguration<JobExporterEmitter> UseJobExporter(this IGlobalConfiguration configuration, IServiceProvider services) =>
        configuration.UseJobExporter(services.GetService<JobExporterEmitter>()
            ?? throw new InvalidOperationException("No JobExporter emitter is registered: call services.AddJobExporterHangfire(...) first."));

    /// <summary>Installs the emitter's filters in <see cref="GlobalJobFilters.Filters"/> (once).</summary>
    public static IGlobalConfiguration<JobExporterEmitter> UseJobExporter(this IGlobalConfiguration configuration, JobExporterEmitter emitter) =>
        configuration.Use(emitter, e => e.InstallFilters(GlobalJobFilters.Filters));
}
