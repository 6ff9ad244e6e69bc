using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace JobExporter.Contracts;

/// <summary>
/// Publishes events from inside a worker process. <see cref="TryPublish"/> never blocks and never throws:
/// events go into a bounded buffer (the oldest is dropped, and counted, when it is full) and a background
/// loop sends them in batches with publisher confirms, reconnecting with backoff when the broker is away.
/// A batch that was not confirmed is sent again; the exporter drops the duplicates by event id.
/// </summary>
public sealed class EventPublisher : IAsyncDisposable
{
    private static readonly BasicProperties MessageProperties = new()
    {
        Persistent = true,
        ContentType = "application/json",
    };

    private readonly EventPublisherOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<JobEvent> _buffer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    private readonly List<JobEvent> _unconfirmed = [];
    private long _dropped;
    private long _published;
    private int _disposed;

    public EventPublisher(EventPublisherOptions options, ILogger<EventPublisher>? logger = null)
    {
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _buffer = Channel.CreateBounded<JobEvent>(
            new BoundedChannelOptions(options.BufferCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            },
            _ => Interlocked.Increment(ref _dropped));
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>Events dropped since start because the buffer was full (or the publisher was closed).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events the broker has confirmed.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>True while a channel to the broker is open.</summary>
    public bool IsConnected { get; private set; }

    /// <summary>Queues an event for sending. Never blocks, never throws.</summary>
    public void TryPublish(JobEvent e)
    {
        if (!_buffer.Writer.TryWrite(e))
        {
            // Only after disposal: a bounded DropOldest channel always accepts otherwise.
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Sends what is buffered, waiting at most <see cref="EventPublisherOptions.FlushTimeout"/>, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _buffer.Writer.TryComplete();
        var finished = await Task.WhenAny(_sender, Task.Delay(_options.FlushTimeout)).ConfigureAwait(false);
        if (finished != _sender)
        {
            _stopping.Cancel();
            await _sender.ConfigureAwait(false);
        }
        var lost = _unconfirmed.Count;
        while (_buffer.Reader.TryRead(out _)) lost++;
        if (lost > 0)
        {
            Interlocked.Add(ref _dropped, lost);
            _logger.LogWarning("Event publisher stopped with {Count} events unsent after {Timeout}", lost, _options.FlushTimeout);
        }
        _stopping.Dispose();
    }

    private async Task SendLoopAsync()
    {
        var delay = _options.ReconnectDelay;
        var failures = 0;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await CreateConnectionAsync().ConfigureAwait(false);
                await using var channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                    _stopping.Token).ConfigureAwait(false);
                await channel.ExchangeDeclareAsync(_options.Exchange, ExchangeType.Topic, durable: true, autoDelete: false,
                    cancellationToken: _stopping.Token).ConfigureAwait(false);
                IsConnected = true;
                if (failures > 0)
                {
                    _logger.LogInformation("Event publisher reconnected to {Broker}", BrokerUrls.Redact(_options.BrokerUrl!));
                }
                failures = 0;
                delay = _options.ReconnectDelay;
                if (await SendUntilDoneAsync(channel).ConfigureAwait(false)) return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // One line per failure, and only the first few in a row, so a long outage does not flood the log.
                if (failures++ < 3)
                {
                    _logger.LogWarning("Event publisher cannot reach {Broker}: {Error}", BrokerUrls.Redact(_options.BrokerUrl!), ex.Message);
                }
            }
            finally
            {
                IsConnected = false;
            }
            if (_buffer.Reader.Completion.IsCompleted && _unconfirmed.Count == 0) return;
            try
            {
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    private Task<IConnection> CreateConnectionAsync()
    {
        var factory = new ConnectionFactory
        {
            Uri = _options.BrokerUrl!,
            AutomaticRecoveryEnabled = false,
            ClientProvidedName = "jobexporter-emitter",
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        return factory.CreateConnectionAsync(_stopping.Token);
    }

    // Sends until the buffer is completed and empty (returns true) or the channel fails (throws).
    private async Task<bool> SendUntilDoneAsync(IChannel channel)
    {
        while (true)
        {
            if (_unconfirmed.Count == 0)
            {
                if (!await _buffer.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false)) return true;
                while (_unconfirmed.Count < _options.MaxBatchSize && _buffer.Reader.TryRead(out var e))
                {
                    _unconfirmed.Add(e);
                }
            }
            await PublishBatchAsync(channel, _unconfirmed).ConfigureAwait(false);
            Interlocked.Add(ref _published, _unconfirmed.Count);
            _unconfirmed.Clear();
        }
    }

    // One message per routing key, all in flight at once, each awaited until the broker confirms it.
    private async Task PublishBatchAsync(IChannel channel, List<JobEvent> events)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_options.ConfirmTimeout);
        var sends = events
            .GroupBy(RoutingKeys.For, StringComparer.Ordinal)
            .Select(group => channel.BasicPublishAsync(_options.Exchange, group.Key, mandatory: false, MessageProperties,
                group.Count() == 1 ? EventJson.Serialize(group.First()) : EventJson.SerializeBatch(group),
                timeout.Token).AsTask())
            .ToList();
        await Task.WhenAll(sends).ConfigureAwait(false);
    }
}
