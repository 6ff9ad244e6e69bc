using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace JobExporter.Demo.Hangfire;

/// <summary>Enqueues <see cref="DemoOptions.JobsPerSecond"/> jobs a second, a weighted mix of the demo jobs.</summary>
internal sealed class JobProducer(IBackgroundJobClient client, IOptions<DemoOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / options.Value.JobsPerSecond));
        var id = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                id++;
                switch (Random.Shared.Next(10))
                {
                    case < 3: client.Enqueue<InvoiceJob>(job => job.Send(id)); break;
                    case < 6: client.Enqueue<EmailJob>(job => job.Deliver(id)); break;
                    case < 8: client.Enqueue<ThumbnailJob>(job => job.Render(id)); break;
                    default: client.Enqueue<ReportJob>(job => job.Build(id)); break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
