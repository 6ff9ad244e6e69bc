using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace JobExporter.Contracts;

/// <summary>
/// Publishes events from inside a worker process. <see cref="TryPublish"/> never waits on the broker and never throws:
/// it writes the event into the bounded <see cref="EventBuffer"/> (when that is full, a new event is dropped and
/// counted), and a background loop sends the buffer's messages with publisher confirms, reconnecting with backoff when
/// the broker is away. A message that was not confirmed is sent again; the exporter drops the duplicates by event id.
/// </summary>
public sealed class EventPublisher : IEventPublisher
{
    private readonly EventPublisherOptions _options;
    private readonly ILogger _logger;
    private readonly EventBuffer _buffer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    // Messages of MaxBatchSize events that may wait for their confirms at once, over all rounds in flight (25,000 events
    // at the default MaxBatchSize: a failover sends that many again). Rounds overlap: the loop sends what the buffer
    // holds while earlier rounds wait for the broker (persistent messages are confirmed once on disk, milliseconds to
    // seconds on a busy disk), so the buffer drains at the rate the connection carries, not at one round per confirm
    // wait; a burst no longer overflows the buffer behind a slow confirm.
    private const int MessagesInFlight = 25;

    // Messages of rounds the broker did not confirm (channel lost, refused, timed out): sent first on the next channel,
    // or counted as dropped if the publisher stops first.
    private List<OutgoingMessage> _unconfirmed = [];
    private List<OutgoingMessage> _next = [];
    private readonly Queue<PublishRound> _inFlight = new();
    private readonly Stack<PublishRound> _spareRounds = new();
    private int _inFlightEvents;
    private readonly SslOption _ssl;
    private readonly ReconnectBackoff _backoff;
    private long _dropped;
    private long _published;
    private long _failures;
    private volatile bool _connected;
    private int _disposed;
    private int _warnedUnwritable;

    public EventPublisher(EventPublisherOptions options, ILogger<EventPublisher>? logger = null)
    {
        options.Validate();
        _options = options;
        _ssl = PublisherTls.Create(options);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _buffer = new EventBuffer(options.BufferCapacity, options.MaxBatchSize);
        _stopping.Token.Register(_buffer.Wake);
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
    public int Buffered => _buffer.Count;

    /// <summary>True while a channel to the broker is open.</summary>
    public bool IsConnected => _connected;

    /// <summary>
    /// Writes the event into the buffer. Never waits on the broker, never throws. An event with a number JSON cannot hold
    /// (NaN or infinite ts, runtime, wait or interval) is dropped here and counted: sent, it would fail its whole message
    /// at every retry.
    /// </summary>
    public void TryPublish(JobEvent e)
    {
        if (!EventJson.NumbersFit(e))
        {
            DropUnwritable(e, "a number in it is NaN or infinite");
            return;
        }
        bool taken;
        try
        {
            taken = _buffer.TryAdd(e);
        }
        catch (Exception ex)
        {
            DropUnwritable(e, ex.Message);
            return;
        }
        // Refused: the buffer is full (the broker is slow or away) or the publisher is closed.
        if (!taken) Interlocked.Increment(ref _dropped);
    }

    private void DropUnwritable(JobEvent e, string why)
    {
        Interlocked.Increment(ref _dropped);
        if (Interlocked.Exchange(ref _warnedUnwritable, 1) == 0)
        {
            _logger.LogWarning("Event publisher dropped a {Type} event of {Name}: {Why} (logged once; every such event counts as dropped)",
                e.Type.ToWireName(), e.Name, why);
        }
    }

    /// <summary>Sends what is buffered, waiting at most <see cref="EventPublisherOptions.FlushTimeout"/>, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _buffer.Complete();
        var finished = await Task.WhenAny(_sender, Task.Delay(_options.FlushTimeout)).ConfigureAwait(false);
        if (finished != _sender)
        {
            _stopping.Cancel();
            await _sender.ConfigureAwait(false);
        }
        var lost = _unconfirmed.Sum(m => m.Events) + _buffer.DiscardAll();
        foreach (var message in _unconfirmed) message.Dispose();
        _unconfirmed.Clear();
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
            if (_buffer.IsCompleted && _buffer.Count == 0 && _unconfirmed.Count == 0) return;
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
        try
        {
            // What the last channel left unconfirmed goes first, in its order, as the same bytes.
            if (_unconfirmed.Count > 0) _unconfirmed = StartRound(channel, _unconfirmed);
            while (true)
            {
                _stopping.Token.ThrowIfCancellationRequested();
                var oldest = _inFlight.Count > 0 ? _inFlight.Peek().Completion : null;
                if (oldest is not null && (oldest.IsCompleted || _inFlightEvents >= mostInFlight))
                {
                    await FinishOldestAsync().ConfigureAwait(false);
                    continue;
                }
                if (_buffer.Count == 0)
                {
                    if (_buffer.IsCompleted)
                    {
                        if (oldest is null) return true;
                        await FinishOldestAsync().ConfigureAwait(false);
                        continue;
                    }
                    // Nothing to send: wait for an event, or for the oldest round's confirms, whichever comes first.
                    var anyEvent = _buffer.WaitAsync(anyEvent: true);
                    if (oldest is null) await anyEvent.ConfigureAwait(false);
                    else await Task.WhenAny(anyEvent, oldest).ConfigureAwait(false);
                    continue;
                }
                var sendOpen = SendOpenMessagesNow(out var wait);
                if (!sendOpen && !_buffer.HasSealedMessage)
                {
                    // Let the open messages fill: one message for many events costs the broker, and this process, far
                    // less than many small ones. A message filling up ends the wait; so do the oldest round's confirms.
                    var full = _buffer.WaitAsync(anyEvent: false);
                    var delay = Task.Delay(wait, _stopping.Token);
                    if (oldest is null) await Task.WhenAny(full, delay).ConfigureAwait(false);
                    else await Task.WhenAny(full, delay, oldest).ConfigureAwait(false);
                    continue;
                }
                _buffer.Take(_next, sendOpen, Math.Max(mostInFlight - _inFlightEvents, 1));
                if (_next.Count > 0) _next = StartRound(channel, _next);
            }
        }
        finally
        {
            // The channel failed or the publisher stops: wait for every round still out (a failed channel fails them
            // promptly), count what was confirmed, keep the rest to send again.
            while (_inFlight.Count > 0)
            {
                try
                {
                    await FinishOldestAsync().ConfigureAwait(false);
                }
                catch
                {
                    // The first failure is the one reported; the messages are kept in _unconfirmed either way.
                }
            }
        }
    }

    // Whether the messages still open go now, not only the full ones: once the oldest event in them has waited
    // BatchDelay, when the buffer is half full (so that a burst is not dropped while it gathers), or when stopping.
    private bool SendOpenMessagesNow(out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        if (_buffer.IsCompleted || _options.BatchDelay <= TimeSpan.Zero || _buffer.Count >= Math.Max(_options.BufferCapacity / 2, 1)) return true;
        if (_buffer.OldestOpenSince() is not { } since) return false;
        wait = _options.BatchDelay - TimeSpan.FromTicks((Stopwatch.GetTimestamp() - since) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
        return wait <= TimeSpan.Zero;
    }

    // Puts the messages on the wire as a new round and returns an empty list in exchange for the one given.
    private List<OutgoingMessage> StartRound(IChannel channel, List<OutgoingMessage> messages)
    {
        var round = _spareRounds.Count > 0 ? _spareRounds.Pop() : new PublishRound();
        round.Send(channel, _options.Exchange, messages, _options.ConfirmTimeout, _stopping.Token);
        _inFlight.Enqueue(round);
        _inFlightEvents += round.Events;
        messages.Clear();
        return messages;
    }

    // Waits for the oldest round's confirms; its messages are published, or kept to send again and the failure thrown.
    private async Task FinishOldestAsync()
    {
        var round = _inFlight.Peek();
        var error = await round.Completion.ConfigureAwait(false);
        _inFlight.Dequeue();
        _inFlightEvents -= round.Events;
        if (error is null)
        {
            Interlocked.Add(ref _published, round.Events);
            foreach (var message in round.Messages) message.Dispose();
        }
        else
        {
            _unconfirmed.AddRange(round.Messages);
        }
        round.Clear();
        _spareRounds.Push(round);
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
    }
}
