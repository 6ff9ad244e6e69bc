using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using JobExporter.Transport;
using JobExporter.Transport.Http;
using JobExporter.Transport.RabbitMq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JobExporter.Emitter;

/// <summary>
/// Publishes events from inside a worker process. <see cref="TryPublish(JobEvent)"/> never blocks and never throws:
/// events go into a bounded buffer (when it is full, a new event is dropped and counted) and a background
/// loop sends them in batches with publisher confirms, reconnecting with backoff when the broker is away.
/// A batch that was not confirmed is sent again; the exporter drops the duplicates by event id.
/// </summary>
public sealed class EventPublisher : IEventPublisher
{
    private readonly EventPublisherOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingEvent> _buffer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    // Messages of MaxBatchSize events that may wait for their confirms at once, over all rounds in flight (25,000 events
    // at the default MaxBatchSize, as 50 of 500 were before the default grew: a failover sends that many again). Rounds
    // overlap: the loop sends what the buffer holds while earlier rounds wait for the broker (persistent messages are
    // confirmed once on disk, milliseconds to seconds on a busy disk), so the buffer drains at the rate the connection
    // carries, not at one round per confirm wait; a burst no longer overflows the buffer behind a slow confirm.
    private const int MessagesInFlight = 25;

    // How often a gathering wait looks at the buffer: at 250,000 events a second, 2,500 arrive between two looks.
    private static readonly TimeSpan GatherStep = TimeSpan.FromMilliseconds(10);

    // Events of rounds the broker did not confirm (channel lost, refused, timed out): sent first on the next channel,
    // or counted as dropped if the publisher stops first.
    private List<PendingEvent> _unconfirmed = [];
    private List<PendingEvent> _next = [];
    private readonly Queue<PublishRound> _inFlight = new();
    private readonly Stack<PublishRound> _spareRounds = new();
    private int _inFlightEvents;
    // When the events gathering for the next round are sent at the latest (Stopwatch ticks), 0 when none gather.
    private long _gatherUntil;
    private readonly EventBatches _batches;
    private readonly IEventTransport _transport;
    private readonly ReconnectBackoff _backoff;
    private long _dropped;
    private long _published;
    private long _failures;
    // Failed connections or rounds since the last confirmed publish: the first few are logged. Send loop only.
    private static readonly LogSampling OutageLog = new(first: 3, every: 20);
    private int _failuresInARow;
    private volatile bool _connected;
    private int _disposed;
    private int _warnedUnwritable;

    public EventPublisher(EventPublisherOptions options, ILogger<EventPublisher>? logger = null)
        : this(options, logger, transport: null)
    {
    }

    // The seam for another transport (and for tests); null is RabbitMQ at the options' broker.
    internal EventPublisher(EventPublisherOptions options, ILogger? logger, IEventTransport? transport)
    {
        options.Validate();
        _options = options;
        _transport = transport ?? (options.AllExporterUrls.Count > 0
            ? new HttpEventTransport(options.AllExporterUrls, options.Password, Tls(options))
            : new RabbitMqEventTransport(Connector(options), options.Exchange));
        _logger = logger ?? NullLogger.Instance;
        _buffer = Channel.CreateBounded<PendingEvent>(
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

    /// <summary>
    /// True while a channel to the broker is open; with ExporterUrl(s), while the connection is open and every exporter
    /// acknowledged the last thing posted to it (the opening probe or a batch), so an exporter that is away reads false.
    /// </summary>
    public bool IsConnected => _connected && EveryExporterReachable();

    /// <summary>Each exporter of ExporterUrl(s), with what it has not acknowledged; empty with a broker.</summary>
    internal IReadOnlyList<DestinationState> Destinations
    {
        get
        {
            var exporters = _transport.Exporters;
            if (exporters.Count == 0) return [];
            var buffered = Buffered;
            var states = new DestinationState[exporters.Count];
            for (var i = 0; i < states.Length; i++)
            {
                states[i] = new DestinationState(exporters[i].Name, buffered + exporters[i].Unacknowledged, exporters[i].IsReachable);
            }
            return states;
        }
    }

    IReadOnlyList<DestinationState> IEventPublisher.Destinations => Destinations;

    private bool EveryExporterReachable()
    {
        foreach (var exporter in _transport.Exporters)
        {
            if (!exporter.IsReachable) return false;
        }
        return true;
    }

    /// <summary>
    /// Queues an event for sending. Never blocks, never throws. An event with a number JSON cannot hold (NaN or infinite
    /// ts, runtime, wait or interval) is dropped here and counted: sent, it would fail its whole message at every retry.
    /// </summary>
    public void TryPublish(JobEvent e) => TryPublish(new PendingEvent(e));

    /// <inheritdoc cref="TryPublish(JobEvent)"/>
    public void TryPublish(in PendingEvent e)
    {
        if (!e.NumbersFit)
        {
            Interlocked.Increment(ref _dropped);
            if (Interlocked.Exchange(ref _warnedUnwritable, 1) == 0)
            {
                _logger.LogWarning("Event publisher dropped a {Type} event of {Name}: a number in it is NaN or infinite (logged once; every such event counts as dropped)",
                    e.Type.ToWireName(), e.Name);
            }
            return;
        }
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
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                // An open connection alone is no recovery: the count and the backoff start again at the first confirmed
                // publish (see Recovered), so a broker that takes connections but never confirms is retried ever more
                // slowly and logged a few times, like one that is down, not every ReconnectDelay forever.
                await using var connection = await _transport.OpenAsync(_stopping.Token).ConfigureAwait(false);
                _connected = true;
                if (await SendUntilDoneAsync(connection).ConfigureAwait(false)) return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failures);
                // The first few failures in a row one by one, then one in OutageLog.Every: a long outage neither floods
                // the log nor goes silent.
                if (OutageLog.ShouldLog(++_failuresInARow))
                {
                    _logger.LogWarning("Event publisher cannot reach {Broker}: {Error} ({Count} failed attempts in a row)",
                        _transport.Destination, ex.Message, _failuresInARow);
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

    // The connector of the options: every node, the password, and the TLS files, read now so that a bad one fails at
    // start with a message naming the setting, not at every connection attempt.
    internal static BrokerConnector Connector(EventPublisherOptions options) => new(options.AllBrokerUrls, options.Password, Tls(options));

    private static BrokerTls Tls(EventPublisherOptions options)
    {
        X509Certificate2Collection? roots = null;
        X509Certificate2? client = null;
        try
        {
            if (options.CaFile is not null) roots = CertificateTrust.ReadCertificates(options.CaFile);
            if (options.CertFile is not null) client = ClientCertificates.Load(options.CertFile, options.KeyFile, options.CertPassword);
        }
        catch (InvalidDataException)
        {
            throw new ArgumentException($"JobExporter:CaFile '{options.CaFile}' holds no PEM certificate.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or FormatException)
        {
            throw new ArgumentException($"JobExporter: cannot load the TLS files (CaFile, CertFile, KeyFile): {ex.Message.Split('\n')[0]}", ex);
        }
        return new BrokerTls(roots, client);
    }

    // Sends until the buffer is completed and empty (returns true) or the channel fails (throws).
    private async Task<bool> SendUntilDoneAsync(IEventConnection connection)
    {
        var mostInFlight = _options.MaxBatchSize * MessagesInFlight;
        try
        {
            // What the last channel left unconfirmed goes first, in its order.
            if (_unconfirmed.Count > 0) _unconfirmed = StartRound(connection, _unconfirmed);
            while (true)
            {
                if (_inFlight.Count == 0)
                {
                    if (!await _buffer.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false)) return true;
                    // Let a round gather before sending: few large rounds cost the broker, and this process, far less
                    // than many small ones (see BatchGathering).
                    await GatherAsync(oldestConfirm: null).ConfigureAwait(false);
                }
                else if (_inFlightEvents >= mostInFlight)
                {
                    await FinishOldestAsync().ConfigureAwait(false);
                    continue;
                }
                else if (_buffer.Reader.Count == 0)
                {
                    // Nothing to send: wait for the oldest round's confirms or for new events, whichever comes first, so
                    // that events arriving while a confirm is slow are sent rather than left to fill the buffer.
                    var oldest = _inFlight.Peek().Completion;
                    var more = _buffer.Reader.WaitToReadAsync(_stopping.Token).AsTask();
                    await Task.WhenAny(oldest, more).ConfigureAwait(false);
                    _stopping.Token.ThrowIfCancellationRequested();
                    // The buffer completed (disposal): only the rounds in flight are left to finish.
                    if (oldest.IsCompleted || (more.IsCompleted && !more.Result)) await FinishOldestAsync().ConfigureAwait(false);
                    continue;
                }
                else if (ShouldGather())
                {
                    // Gather as above, and count the oldest round's confirms when they come (the wait goes on after).
                    var oldest = _inFlight.Peek().Completion;
                    await GatherAsync(oldest).ConfigureAwait(false);
                    if (oldest.IsCompleted)
                    {
                        await FinishOldestAsync().ConfigureAwait(false);
                        continue;
                    }
                }
                while (_inFlightEvents + _next.Count < mostInFlight && _buffer.Reader.TryRead(out var e)) _next.Add(e);
                if (_next.Count > 0) _next = StartRound(connection, _next);
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
                    // The first failure is the one reported; the events are kept in _unconfirmed either way.
                }
            }
        }
    }

    // Waits until the gathering's deadline (BatchDelay after it began; a confirm that ends a wait early does not move
    // it), half the buffer is full, the publisher stops, or the given confirm comes. It looks every GatherStep rather
    // than waiting BatchDelay at once, so that a burst during the wait is sent at half the buffer rather than dropped.
    private async Task GatherAsync(Task<Exception?>? oldestConfirm)
    {
        if (!ShouldGather()) return;
        var now = Stopwatch.GetTimestamp();
        if (_gatherUntil == 0) _gatherUntil = now + (long)(_options.BatchDelay.TotalSeconds * Stopwatch.Frequency);
        while (ShouldGather() && now < _gatherUntil)
        {
            var left = TimeSpan.FromSeconds((_gatherUntil - now) / (double)Stopwatch.Frequency);
            var step = Task.Delay(left < GatherStep ? left : GatherStep, _stopping.Token);
            await (oldestConfirm is null ? step : Task.WhenAny(oldestConfirm, step)).ConfigureAwait(false);
            _stopping.Token.ThrowIfCancellationRequested();
            if (oldestConfirm is { IsCompleted: true }) return;
            now = Stopwatch.GetTimestamp();
        }
    }

    private bool ShouldGather() =>
        Volatile.Read(ref _disposed) == 0 && _options.BatchDelay > TimeSpan.Zero
        && BatchGathering.ShouldGather(_buffer.Reader.Count, _options.BufferCapacity);

    // Puts the events on the wire as a new round and returns an empty list in exchange for the one the round took.
    private List<PendingEvent> StartRound(IEventConnection connection, List<PendingEvent> events)
    {
        _gatherUntil = 0;
        var round = _spareRounds.Count > 0 ? _spareRounds.Pop() : new PublishRound();
        var empty = round.Swap(events);
        round.Begin(_options.ConfirmTimeout, _stopping.Token);
        _inFlight.Enqueue(round);
        _inFlightEvents += round.Events.Count;
        try
        {
            _batches.Start(connection, round);
        }
        catch (Exception ex)
        {
            // The round fails as a whole when it is finished, so its events are sent again, not counted as published.
            round.Fail(ex);
        }
        round.Seal();
        return empty;
    }

    // Waits for the oldest round's confirms; its events are published, or kept to send again and the failure thrown.
    private async Task FinishOldestAsync()
    {
        var round = _inFlight.Peek();
        var error = await round.Completion.ConfigureAwait(false);
        _inFlight.Dequeue();
        _inFlightEvents -= round.Events.Count;
        if (error is null)
        {
            Interlocked.Add(ref _published, round.Events.Count);
            Recovered();
        }
        else _unconfirmed.AddRange(round.Events);
        round.Events.Clear();
        _spareRounds.Push(round);
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
    }

    // A publish was confirmed: the broker works again, so the next failure is logged and retried from the first step.
    private void Recovered()
    {
        if (_failuresInARow == 0) return;
        _logger.LogInformation("Event publisher reconnected to {Broker}", _transport.Destination);
        _failuresInARow = 0;
        _backoff.Reset();
    }
}
