using Microsoft.Extensions.Hosting;

namespace JobExporter.Demo;

/// <summary>The host both demo workers run in: settings from appsettings.json beside the binary (wherever it is started from),
/// then environment variables, then <c>--Section:Key=value</c> arguments.</summary>
internal static class DemoHost
{
    public static HostApplicationBuilder CreateBuilder(string[] args) =>
        Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
}
