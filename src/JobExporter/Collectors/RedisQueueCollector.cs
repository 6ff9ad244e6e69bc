using JobExporter.Aggregation;
using JobExporter.Configuration;
using JobExporter.Metrics;
using JobExporter.Redis;
using Microsoft.Extensions.Logging;

namespace JobExporter.Collectors;

/// <summary>
/// The lengths of Celery's task queues on a Redis broker, for the queues learnt from task-sent events, every
/// --rabbitmq.poll-interval. kombu keeps a queue as Redis lists: the queue's name for priority 0 and
/// <c>{queue}\x06\x16{priority}</c> for priorities 3, 6 and 9 (kombu/transport/redis.py <c>PRIORITY_STEPS</c>,
/// <c>Channel.sep</c>, <c>_q_for_pri</c>); like kombu's <c>_size</c>, the length is the sum of their LLENs. A queue
/// with no list reads 0. Redis has no consumer count for a list: jobs_queue_consumers is not set.
/// </summary>
internal sealed class RedisQueueCollector(
    ExporterOptions options,
    QueueRegistry queues,
    ExporterMetrics metrics,
    TimeProvider time,
    ILogger<RedisQueueCollector> logger) : PollingCollector(metrics, time, logger)
{
    private static readonly string[] PrioritySuffixes = ["", "\x06\x163", "\x06\x166", "\x06\x169"];
    private readonly CeleryRedisOptions _redis = options.Celery.Redis ?? throw new ArgumentException("the Celery source is not on Redis", nameof(options));
    private RedisConnection? _connection;

    protected override string Name => "redis";
    protected override TimeSpan Interval => options.RabbitMqPollInterval;
    protected override TimeSpan Timeout => options.CollectorTimeout;
    protected override bool HasWork => CeleryQueues().Any();

    private IEnumerable<QueueName> CeleryQueues() => queues.Snapshot().Where(q => q.System == QueueRegistry.Celery);

    protected override async Task PollAsync(PollSnapshot values, CancellationToken token)
    {
        // Replies are small integers; no message is ever read on this connection.
        _connection ??= await RedisConnection.OpenAsync(_redis, "jobexporter-poller", maxBulkBytes: 64 * 1024, token);
        foreach (var queue in CeleryQueues())
        {
            _connection.Send([.. PrioritySuffixes.Select(suffix => RespWriter.Command("LLEN", queue.Queue + suffix))]);
            long length = 0;
            foreach (var _ in PrioritySuffixes)
            {
                var reply = _connection.Reader.Read();
                // A key of another type than a list (WRONGTYPE) is not kombu's queue: it adds nothing.
                if (reply.Kind == RespKind.Error && reply.Text?.StartsWith("WRONGTYPE", StringComparison.Ordinal) != true)
                {
                    throw new RedisServerException("LLEN", reply.Text ?? "");
                }
                if (reply.Kind == RespKind.Integer) length += reply.Integer;
            }
            values.Set(Metrics.QueueLength, length, queue.System, queue.Queue);
        }
    }

    protected override Task ResetAsync()
    {
        _connection?.Dispose();
        _connection = null;
        return Task.CompletedTask;
    }
}
