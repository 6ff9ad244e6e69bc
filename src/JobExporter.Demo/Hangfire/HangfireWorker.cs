using Hangfire;
using Hangfire.InMemory;
using JobExporter.Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace JobExporter.Demo.Hangfire;

/// <summary>
/// The demo Hangfire worker: a real Hangfire server on in-memory storage, with the JobExporter emitter set up exactly
/// as docs/quick-start.md, "Add it to your Hangfire workers", shows (a test keeps its snippet equal to this code), and a
/// producer that enqueues a steady mix of jobs.
/// </summary>
internal static class HangfireWorker
{
    public static Task<int> RunAsync(string[] args) => DemoHost.RunAsync<JobProducer>(args, builder =>
    {
        builder.Services.AddJobExporterHangfire();
        builder.Services.AddHangfire((provider, config) => config
            .UseInMemoryStorage()
            .UseJobExporter(provider));
        builder.Services.AddHangfireServer(options =>
        {
            options.Queues = ["critical", "default", "media"];
            options.WorkerCount = 8;
            options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
    });
}
