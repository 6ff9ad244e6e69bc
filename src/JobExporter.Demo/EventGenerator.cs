using JobExporter.Contracts;

namespace JobExporter.Demo;

/// <summary>
/// Simulates a few workers: each announces itself, sends heartbeats, and runs a mix of jobs of which some
/// fail and retry. One critical job (InvoiceJob.Send) fails in bursts every few minutes, so that the
/// failure-burst alert has something to fire on.
/// </summary>
internal sealed class EventGenerator(EventPublisher publisher, TimeSpan heartbeat, double jobsPerSecond)
{
    private static readonly (string Name, string Queue, double Runtime)[] Jobs =
    [
        ("InvoiceJob.Send", "critical", 0.3),
        ("ReportJob.Build", "default", 4.0),
        ("EmailJob.Deliver", "default", 0.1),
        ("ThumbnailJob.Render", "media", 1.2),
        ("ExchangeRates.Fetch", "default", 0.8),
    ];

    private readonly Random _random = new(42);

    public async Task RunAsync(CancellationToken stop)
    {
        var workers = new[] { new EventFactory("hangfire", "demo-web-1"), new EventFactory("hangfire", "demo-web-2") };
        var consumer = new EventFactory("masstransit", "demo-consumer-1");
        var producer = new EventFactory("hangfire", "demo-api");
        foreach (var w in workers.Append(consumer)) publisher.TryPublish(w.Worker(EventType.WorkerOnline, heartbeat));

        var nextBeat = DateTime.UtcNow;
        var started = DateTime.UtcNow;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / jobsPerSecond));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var (name, queue, runtime) = Jobs[_random.Next(Jobs.Length)];
                var worker = workers[_random.Next(workers.Length)];
                // A burst of invoice failures during the first minute of every five.
                var burst = name == "InvoiceJob.Send" && (DateTime.UtcNow - started).TotalMinutes % 5 < 1;
                RunJob(producer, worker, name, queue, runtime, failureRate: burst ? 0.8 : 0.05);
                RunJob(producer, consumer, "OrderConsumer", "orders", 0.05, failureRate: 0.02);
                if (DateTime.UtcNow >= nextBeat)
                {
                    foreach (var w in workers.Append(consumer))
                    {
                        publisher.TryPublish(w.Worker(EventType.WorkerHeartbeat, heartbeat, active: _random.Next(0, 4), dropped: publisher.Dropped));
                    }
                    nextBeat = DateTime.UtcNow + heartbeat;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        foreach (var w in workers.Append(consumer)) publisher.TryPublish(w.Worker(EventType.WorkerOffline, heartbeat, active: 0));
    }

    private void RunJob(EventFactory producer, EventFactory worker, string name, string queue, double runtime, double failureRate)
    {
        var jobId = Guid.NewGuid().ToString("N")[..12];
        publisher.TryPublish(producer.Job(EventType.JobSent, name, queue, jobId));
        publisher.TryPublish(worker.Job(EventType.JobReceived, name, queue, jobId));
        publisher.TryPublish(worker.Job(EventType.JobStarted, name, queue, jobId) with { Wait = _random.NextDouble() * 2 });
        var took = runtime * (0.5 + _random.NextDouble());
        if (_random.NextDouble() >= failureRate)
        {
            publisher.TryPublish(worker.Job(EventType.JobSucceeded, name, queue, jobId) with { Runtime = took });
        }
        else if (_random.NextDouble() < 0.5)
        {
            publisher.TryPublish(worker.Job(EventType.JobRetried, name, queue, jobId) with { Exception = "System.TimeoutException" });
        }
        else
        {
            publisher.TryPublish(worker.Job(EventType.JobFailed, name, queue, jobId) with { Runtime = took, Exception = "System.Net.Mail.SmtpException" });
        }
    }
}
