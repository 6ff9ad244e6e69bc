using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobExporter.Demo.Hangfire;

/// <summary>Enqueues <see cref="DemoOptions.JobsPerSecond"/> jobs a second, a weighted mix of the demo jobs.</summary>
internal sealed class JobProducer(IBackgroundJobClient client, IOptions<DemoOptions> options, ILogger<JobProducer> log)
    : PacedProducer(options.Value, log)
{
    protected override Task ProduceAsync(int id, CancellationToken stoppingToken)
    {
        switch (Random.Shared.Next(10))
        {
            case < 3: client.Enqueue<InvoiceJob>(job => job.Send(id)); break;
            case < 6: client.Enqueue<EmailJob>(job => job.Deliver(id)); break;
            case < 8: client.Enqueue<ThumbnailJob>(job => job.Render(id)); break;
            default: client.Enqueue<ReportJob>(job => job.Build(id)); break;
        }
        return Task.CompletedTask;
    }
}
