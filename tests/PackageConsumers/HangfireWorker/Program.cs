using System.Runtime.InteropServices;
using Hangfire;
using Hangfire.InMemory;
using JobExporter.Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Runs --Jobs no-op jobs on a Hangfire server with the JobExporter emitter, then stops (which flushes the events).
// The emitter reads the "JobExporter" section: here from the command line, e.g. --JobExporter:BrokerUrl=amqp://...
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddJobExporterHangfire();
using var host = builder.Build();
await host.StartAsync();

var emitter = host.Services.GetRequiredService<JobExporterEmitter>();
var jobs = int.Parse(builder.Configuration["Jobs"] ?? "5");
using var storage = new InMemoryStorage();
using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 2 }, storage, [emitter.WorkerProcess]))
{
    var client = new BackgroundJobClient(storage);
    for (var i = 0; i < jobs; i++) client.Enqueue(() => SampleJobs.Work());
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (Volatile.Read(ref SampleJobs.Done) < jobs && DateTime.UtcNow < deadline) await Task.Delay(20);
}
await host.StopAsync();
Console.WriteLine($"ran {SampleJobs.Done} jobs on {RuntimeInformation.FrameworkDescription}");
return SampleJobs.Done == jobs ? 0 : 1;

public static class SampleJobs
{
    public static int Done;

    public static void Work() => Interlocked.Increment(ref Done);
}
