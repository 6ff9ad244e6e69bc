using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JobExporter.Demo;

/// <summary>Registers what both demo workers share: the workload options, the clock and the failure schedule.</summary>
internal static class DemoServices
{
    public static IServiceCollection AddDemoWorkload(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.SectionName));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<FailureSchedule>();
        return services;
    }
}
