using JobExporter.Contracts;
using Microsoft.Extensions.Logging;

namespace JobExporter.Tests.Aggregation;

/// <summary>An operator reading the exporter's log sees each worker come up and go down, once, with why.</summary>
public class WorkerLogTests
{
    [Test]
    public void A_worker_coming_up_is_logged_once_not_at_every_heartbeat()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerOnline));
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, active: 1));
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, active: 2));
        Assert.That(exporter.WorkerLog.Lines, Is.EqualTo(new[] { (LogLevel.Information, "Worker worker-1 (hangfire) is up") }));
    }

    [Test]
    public void A_worker_going_offline_is_logged_as_down_with_the_reason()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerOnline));
        exporter.Apply(exporter.Worker(EventType.WorkerOffline));
        exporter.Apply(exporter.Worker(EventType.WorkerOffline));
        Assert.That(exporter.WorkerLog.Lines.Select(l => l.Message), Is.EqualTo(new[]
        {
            "Worker worker-1 (hangfire) is up",
            "Worker worker-1 (hangfire) is down: it sent worker-offline",
        }));
    }

    [Test]
    public void A_silent_worker_is_logged_as_down_as_a_warning_when_it_times_out_and_up_again_when_it_returns()
    {
        var exporter = new TestExporter();
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, interval: 10));
        exporter.Advance(TimeSpan.FromSeconds(30));
        Assert.That(exporter.WorkerLog.Lines, Has.Count.EqualTo(1), "not down at exactly three intervals");
        exporter.Advance(TimeSpan.FromSeconds(1));
        exporter.Advance(TimeSpan.FromSeconds(10));
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat));
        Assert.That(exporter.WorkerLog.Lines, Is.EqualTo(new[]
        {
            (LogLevel.Information, "Worker worker-1 (hangfire) is up"),
            (LogLevel.Warning, "Worker worker-1 (hangfire) is down: nothing heard from it for 30s"),
            (LogLevel.Information, "Worker worker-1 (hangfire) is up"),
        }));
    }
}
