using System.Runtime.InteropServices;
using JobExporter.MassTransit;
using MassTransit;
using Sample;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Sends --Jobs messages to a consumer on an in-memory bus with the JobExporter emitter, then stops (which flushes the
// events). The emitter reads the "JobExporter" section: here from the command line, e.g. --JobExporter:BrokerUrl=amqp://...
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddMassTransit(x =>
{
    x.AddConsumer<WorkConsumer>().Endpoint(e => e.Name = "sample-work");
    x.AddJobExporter();
    x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
});
using var host = builder.Build();
await host.StartAsync();

var jobs = int.Parse(builder.Configuration["Jobs"] ?? "5");
var endpoint = await host.Services.GetRequiredService<IBus>().GetSendEndpoint(new Uri("queue:sample-work"));
for (var i = 0; i < jobs; i++) await endpoint.Send(new WorkItem(i));
var deadline = DateTime.UtcNow.AddSeconds(60);
while (Volatile.Read(ref WorkConsumer.Done) < jobs && DateTime.UtcNow < deadline) await Task.Delay(20);
await host.StopAsync();
Console.WriteLine($"ran {WorkConsumer.Done} jobs on {RuntimeInformation.FrameworkDescription}");
return WorkConsumer.Done == jobs ? 0 : 1;

// MassTransit names message types by namespace: a message type needs one.
namespace Sample
{
    public sealed record WorkItem(int Number);

    public sealed class WorkConsumer : IConsumer<WorkItem>
    {
        public static int Done;

        public Task Consume(ConsumeContext<WorkItem> context)
        {
            Interlocked.Increment(ref Done);
            return Task.CompletedTask;
        }
    }
}
