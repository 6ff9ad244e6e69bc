using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobExporter.Demo;

/// <summary>The host both demo workers run in: settings from appsettings.json beside the binary (wherever it is started from),
/// then environment variables, then <c>--Section:Key=value</c> arguments.</summary>
internal static class DemoHost
{
    /// <summary>Runs a demo worker: the demo workload, what <paramref name="setUp"/> adds (the job system and its emitter),
    /// and <typeparamref name="TProducer"/> feeding it work, until the process is stopped.</summary>
    public static async Task<int> RunAsync<TProducer>(string[] args, Action<HostApplicationBuilder> setUp)
        where TProducer : class, IHostedService
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddDemoWorkload(builder.Configuration);
        setUp(builder);
        builder.Services.AddHostedService<TProducer>();
        await builder.Build().RunAsync();
        return 0;
    }
}
