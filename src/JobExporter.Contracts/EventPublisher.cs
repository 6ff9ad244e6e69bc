using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace JobExporter.Contracts;

/// <summary>
/// Publishes events from inside a worker process. <see cref="TryPublish"/> never blocks and never throws:
/// events go into a bounded buffer (when it is full, a new event is dropped and counted) and a background
/// loop sends them in batches with publisher confirms, reconnecting with backoff when the broker is away.
/// A batch that was not confirmed is sent again; the exporter drops the duplicates by event id.
/// </summary>
public sealed class EventPublisher : IEventPublisher
{
    private readonly EventPublisherOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<JobEvent> _buffer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    // Messages of MaxBatchSize events a round may have waiting for their confirms at once: while one round waits
    // for the broker (persistent messages are confirmed once on disk, milliseconds), the buffer fills, and the next
    // round takes all of it, so that the rate the publisher can sustain grows with the load.
    private const int MessagesInFlight = 50;

    private readonly List<JobEvent> _unconfirmed = [];
    private readonly EventBatches _batches;
    private readonly SslOption _ssl;
    private readonly ReconnectBackoff _backoff;
    private long _dropped;
    private long _published;
    private long _failures;
    private volatile bool _connected;
    private int _disposed;

    public EventPublisher(EventPublisherOptions options, ILogger<EventPublisher>? logger = null)
    {
        options.Validate();
        _options = options;
        _ssl = PublisherTls.Create(options);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _buffer = Channel.CreateBounded<JobEvent>(
            new BoundedChannelOptions(options.BufferCapacity)
            {
                // A full buffer drops the event being added, not the oldest one: displacing the oldest keeps every event
                // alive for a whole buffer's worth of events, long enough to be promoted to an older GC generation and
                // collected there, which cost a Hangfire worker more CPU per job than the hooks while the broker was away;
                // an event dropped at once dies young, for next to nothing.
                FullMode = BoundedChannelFullMode.DropWrite,
                SingleReader = true,
                SingleWriter = false,
            },
            _ => Interlocked.Increment(ref _dropped));
        _batches = new EventBatches(options);
        _backoff = new ReconnectBackoff(options.ReconnectDelay, options.MaxReconnectDelay, new Random());
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>Events dropped since start because the buffer was full (or the publisher was closed).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events the broker has confirmed.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Attempts to connect or to publish a batch that failed since start (each is retried).</summary>
    public long PublishFailures => Interlocked.Read(ref _failures);

    /// <summary>Events waiting in the buffer now.</summary>
    public int Buffered => _buffer.Reader.Count;

    /// <summary>True while a channel to the broker is open.</summary>
    public bool IsConnected => _connected;

    /// <summary>Queues an event for sending. Never blocks, never throws.</summary>
    public void TryPublish(JobEvent e)
    {
        if (!_buffer.Writer.TryWrite(e))
        {
            // Only after disposal: a bounded DropWrite channel always accepts otherwise.
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
                _connected = true;
                if (failures > 0)
                {
                    _logger.LogInformation("Event publisher reconnected to {Broker}", BrokerUrls.Redact(_options.BrokerUrl!));
                }
                failures = 0;
                _backoff.Reset();
                if (await SendUntilDoneAsync(channel).ConfigureAwait(false)) return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failures);
                // One line per failure, and only the first few in a row, so a long outage does not flood the log.
                if (failures++ < 3)
                {
                    _logger.LogWarning("Event publisher cannot reach {Broker}: {Error}", BrokerUrls.Redact(_options.BrokerUrl!), ex.Message);
                }
            }
            finally
            {
                _connected = false;
            }
            if (_buffer.Reader.Completion.IsCompleted && _unconfirmed.Count == 0) return;
            try
            {
                await Task.Delay(_backoff.Next(), _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
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
        // After Uri, which sets the URL's user, password and default TLS settings.
        factory.Ssl = _ssl;
        if (_options.Password is not null) factory.Password = _options.Password;
        // Every node of the cluster, each checked against its own host name under TLS.
        var endpoints = BrokerEndpoints.For(_options.AllBrokerUrls, url => BrokerEndpoints.ForHost(_ssl, url.Host));
        return factory.CreateConnectionAsync(endpoints, _stopping.Token);
    }

    // Sends until the buffer is completed and empty (returns true) or the channel fails (throws).
    private async Task<bool> SendUntilDoneAsync(IChannel channel)
    {
        var mostInFlight = _options.MaxBatchSize * MessagesInFlight;
        while (true)
        {
            if (_unconfirmed.Count == 0)
            {
                if (!await _buffer.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false)) return true;
                // Let a batch gather before sending: one message for many events costs the broker, and this process,
                // far less than many small ones (the broker's CPU per message was most of the emitter's cost under load).
                if (_buffer.Reader.Count < _options.MaxBatchSize && Volatile.Read(ref _disposed) == 0 && _options.BatchDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_options.BatchDelay, _stopping.Token).ConfigureAwait(false);
                }
                while (_unconfirmed.Count < mostInFlight && _buffer.Reader.TryRead(out var e))
                {
                    _unconfirmed.Add(e);
                }
            }
            await _batches.PublishAsync(channel, _unconfirmed, _stopping.Token).ConfigureAwait(false);
            Interlocked.Add(ref _published, _unconfirmed.Count);
            _unconfirmed.Clear();
        }
    }
}
