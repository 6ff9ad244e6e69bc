using JobExporter.Aggregation;
using JobExporter.Broker;
using JobExporter.Configuration;
using JobExporter.Metrics;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace JobExporter.Collectors;

/// <summary>
/// RabbitMQ queue lengths and consumer counts, by a passive declare per queue, for the queues named by
/// --rabbitmq.queues and those learnt from events (Celery's only when Celery is on RabbitMQ; on Redis,
/// <see cref="RedisQueueCollector"/> polls them). A queue that does not exist reads 0.
/// </summary>
internal sealed class RabbitMqQueueCollector(
    ExporterOptions options,
    QueueRegistry queues,
    ExporterMetrics metrics,
    TimeProvider time,
    ILogger<RabbitMqQueueCollector> logger) : PollingCollector(metrics, time, logger)
{
    private const ushort NotFound = 404;
    private IConnection? _connection;
    private IChannel? _channel;

    protected override string Name => "rabbitmq";
    protected override TimeSpan Interval => options.RabbitMqPollInterval;
    protected override TimeSpan Timeout => options.CollectorTimeout;
    protected override bool HasWork => RabbitMqQueues().Any();

    private IEnumerable<QueueName> RabbitMqQueues() =>
        queues.Snapshot().Where(q => q.System != QueueRegistry.Celery || options.Celery.Redis is null);

    protected override async Task PollAsync(PollSnapshot values, CancellationToken token)
    {
        if (_connection is not { IsOpen: true })
        {
            await ResetAsync();
            _connection = await BrokerConnections.OpenAsync(options, "poller", token);
        }
        foreach (var queue in RabbitMqQueues())
        {
            if (_channel is not { IsOpen: true })
            {
                _channel = await _connection.CreateChannelAsync(cancellationToken: token);
            }
            long length = 0, consumers = 0;
            try
            {
                var ok = await _channel.QueueDeclarePassiveAsync(queue.Queue, token);
                length = ok.MessageCount;
                consumers = ok.ConsumerCount;
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
            {
                // The broker closes the channel on a missing queue; a fresh one is opened for the next.
                _channel = null;
            }
            values.Set(Metrics.QueueLength, length, queue.System, queue.Queue);
            values.Set(Metrics.QueueConsumers, consumers, queue.System, queue.Queue);
        }
    }

    protected override async Task ResetAsync()
    {
        try
        {
            if (_channel is not null) await _channel.DisposeAsync();
            if (_connection is not null) await _connection.DisposeAsync();
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Closing the poller's connection");
        }
        _channel = null;
        _connection = null;
    }
}
