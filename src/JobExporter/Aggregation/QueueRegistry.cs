using System.Collections.Concurrent;
using JobExporter.Configuration;
using JobExporter.Contracts;

namespace JobExporter.Aggregation;

/// <summary>
/// The queues the pollers watch: those named by --rabbitmq.queues, the MassTransit endpoint queues learnt from
/// events together with their _error and _skipped queues (where dead letters pile up), and the Celery task queues
/// learnt from events (RabbitMQ queues, or Redis lists when Celery is on Redis).
/// Thread-safe: events add, the pollers read.
/// </summary>
internal sealed class QueueRegistry
{
    /// <summary>The system whose queue names are RabbitMQ queues; Hangfire's queues live in its storage.</summary>
    public const string MassTransit = SystemNames.MassTransit;

    /// <summary>Celery: a task's queue (from task-sent), with no dead-letter companions; a RabbitMQ queue or, on Redis, a list.</summary>
    public const string Celery = SystemNames.Celery;

    private readonly ConcurrentDictionary<QueueName, byte> _queues = new();
    private readonly int _maxLearnt;
    private int _learnt;

    public QueueRegistry(IEnumerable<QueueName> configured, int maxLearnt)
    {
        _maxLearnt = maxLearnt;
        foreach (var queue in configured) _queues.TryAdd(queue, 0);
    }

    /// <summary>Learns the queue of a job event when it names a broker's queue.</summary>
    public void Learn(string system, string queue)
    {
        if (system is not (MassTransit or Celery) || queue is Metrics.LabelGuard.Other or Metrics.LabelGuard.Unknown) return;
        var endpoint = new QueueName(system, queue);
        if (_queues.ContainsKey(endpoint) || Volatile.Read(ref _learnt) >= _maxLearnt) return;
        QueueName[] names = system == Celery ? [endpoint] : [endpoint, endpoint with { Queue = queue + "_error" }, endpoint with { Queue = queue + "_skipped" }];
        foreach (var name in names)
        {
            if (_queues.TryAdd(name, 0)) Interlocked.Increment(ref _learnt);
        }
    }

    public IReadOnlyCollection<QueueName> Snapshot() => _queues.Keys.ToArray();
}
