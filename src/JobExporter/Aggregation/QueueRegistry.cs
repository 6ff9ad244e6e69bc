using System.Collections.Concurrent;
using JobExporter.Configuration;
using JobExporter.Contracts;

namespace JobExporter.Aggregation;

/// <summary>
/// The RabbitMQ queues the poller watches: those named by --rabbitmq.queues, the MassTransit endpoint
/// queues learnt from events together with their _error and _skipped queues (where dead letters pile up),
/// and the Celery task queues learnt from events.
/// Thread-safe: events add, the poller reads.
/// </summary>
internal sealed class QueueRegistry
{
    /// <summary>The system whose queue names are RabbitMQ queues; Hangfire's queues live in its storage.</summary>
    public const string MassTransit = SystemNames.MassTransit;

    /// <summary>Celery on RabbitMQ: a task's queue (from task-sent) is a RabbitMQ queue, with no dead-letter companions.</summary>
    public const string Celery = SystemNames.Celery;

    private readonly ConcurrentDictionary<QueueName, byte> _queues = new();
    private readonly int _maxLearnt;
    private int _learnt;

    private readonly bool _celeryOnRabbitMq;

    /// <param name="celeryOnRabbitMq">False when Celery runs on Redis: its task queues are Redis lists, not RabbitMQ queues, and are not polled.</param>
    public QueueRegistry(IEnumerable<QueueName> configured, int maxLearnt, bool celeryOnRabbitMq = true)
    {
        _maxLearnt = maxLearnt;
        _celeryOnRabbitMq = celeryOnRabbitMq;
        foreach (var queue in configured) _queues.TryAdd(queue, 0);
    }

    /// <summary>Learns the queue of a job event when it names a RabbitMQ queue.</summary>
    public void Learn(string system, string queue)
    {
        if (system is not (MassTransit or Celery) || queue is Metrics.LabelGuard.Other or Metrics.LabelGuard.Unknown) return;
        if (system == Celery && !_celeryOnRabbitMq) return;
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
