using System.Diagnostics;
using JobExporter.Aggregation;
using JobExporter.Configuration;
using JobExporter.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace JobExporter.Broker;

/// <summary>
/// Polls RabbitMQ queue lengths and consumer counts in the background (a passive declare per queue) and
/// leaves the values in gauges, so a scrape never waits on the broker. A queue that does not exist reads 0;
/// a failing poll keeps the last values and shows in <c>exporter_collector_success{collector="rabbitmq"}</c>.
/// </summary>
internal sealed class QueuePoller(
    ExporterOptions options,
    QueueRegistry queues,
    ExporterMetrics metrics,
    TimeProvider time,
    ILogger<QueuePoller> logger) : BackgroundService
{
    private const string CollectorName = "rabbitmq";
    private const ushort NotFound = 404;
    private readonly RateLimitedLog _failures = new(logger, time, TimeSpan.FromMinutes(1));
    private IConnection? _connection;
    private IChannel? _channel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.RabbitMqPollInterval, time);
        do
        {
            var targets = queues.Snapshot();
            if (targets.Count == 0) continue;
            var watch = Stopwatch.StartNew();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(options.RabbitMqPollTimeout);
            try
            {
                await PollAsync(targets, timeout.Token);
                metrics.CollectorSuccess.WithLabels(CollectorName).Set(1);
                _failures.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                metrics.CollectorSuccess.WithLabels(CollectorName).Set(0);
                _failures.Failure("Polling RabbitMQ queue lengths", ex);
                await CloseAsync();
            }
            metrics.CollectorDuration.WithLabels(CollectorName).Set(watch.Elapsed.TotalSeconds);
        }
        while (await WaitForTickAsync(timer, stoppingToken));
        await CloseAsync();
    }

    private static async Task<bool> WaitForTickAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task PollAsync(IReadOnlyCollection<QueueName> targets, CancellationToken token)
    {
        if (_connection is not { IsOpen: true })
        {
            await CloseAsync();
            _connection = await BrokerConnections.OpenAsync(options, "poller", token);
        }
        foreach (var queue in targets)
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
            metrics.QueueLength.WithLabels(queue.System, queue.Queue).Set(length);
            metrics.QueueConsumers.WithLabels(queue.System, queue.Queue).Set(consumers);
        }
    }

    private async Task CloseAsync()
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
