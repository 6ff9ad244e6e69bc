using Hangfire;
using Microsoft.Extensions.Hosting;

namespace JobExporter.Hangfire;

/// <summary>
/// Installs the emitter's filters in <see cref="GlobalJobFilters.Filters"/> when the host builds its hosted services,
/// which is before any of them (Hangfire's server included) starts, so no job runs unobserved.
/// </summary>
internal sealed class FilterInstaller : IHostedService
{
    public FilterInstaller(JobExporterEmitter emitter) => emitter.InstallFilters(GlobalJobFilters.Filters);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
