using Hangfire.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobExporter.Hangfire;

/// <summary>
/// One-line set-up in a host: <c>services.AddJobExporterHangfire(configuration.GetSection("JobExporter:Hangfire"))</c>.
/// It registers the validated options (checked at start), one <see cref="JobExporterEmitter"/>, its worker process
/// as an <see cref="IBackgroundProcess"/> (which Hangfire's <c>AddHangfireServer</c> picks up), and a hosted
/// service that installs the filters before any hosted service starts.
/// </summary>
public static class JobExporterServiceCollectionExtensions
{
    public static IServiceCollection AddJobExporterHangfire(this IServiceCollection services, IConfiguration section) =>
        services.AddJobExporterHangfire(builder => builder.Bind(section));

    public static IServiceCollection AddJobExporterHangfire(this IServiceCollection services, Action<JobExporterHangfireOptions> configure) =>
        services.AddJobExporterHangfire(builder => builder.Configure(configure));

    private static IServiceCollection AddJobExporterHangfire(this IServiceCollection services, Action<OptionsBuilder<JobExporterHangfireOptions>> options)
    {
        options(services.AddOptions<JobExporterHangfireOptions>());
        if (services.Any(d => d.ServiceType == typeof(JobExporterEmitter))) return services;
        services.AddOptions<JobExporterHangfireOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobExporterHangfireOptions>, OptionsValidator>());
        services.AddSingleton(provider => new JobExporterEmitter(
            provider.GetRequiredService<IOptions<JobExporterHangfireOptions>>().Value,
            provider.GetService<ILoggerFactory>(),
            provider.GetService<TimeProvider>()));
        services.AddSingleton<IBackgroundProcess>(provider => provider.GetRequiredService<JobExporterEmitter>().WorkerProcess);
        services.AddSingleton<IHostedService, FilterInstaller>();
        return services;
    }

    private sealed class OptionsValidator : IValidateOptions<JobExporterHangfireOptions>
    {
        public ValidateOptionsResult Validate(string? name, JobExporterHangfireOptions options)
        {
            var problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
