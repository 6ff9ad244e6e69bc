using System.Text;
using JobExporter.Broker;
using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Metrics;
using JobExporter.Redis;
using JobExporter.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobExporter.Celery;

/// <summary>
/// Celery's events on a Redis broker, received as Celery's own event receiver receives them. On Redis, Celery turns its
/// event exchange into a fanout one (celery/events/event.py <c>get_exchange</c>), and kombu's Redis transport publishes a
/// fanout message with PUBLISH on <c>/{db}.{exchange}/{routing_key}</c> (kombu/transport/redis.py <c>_put_fanout</c>,
/// <c>_get_publish_topic</c>, <c>keyprefix_fanout = '/{db}.'</c>), while a receiver bound with <c>#</c> holds a pattern
/// subscription on <c>/{db}.{exchange}/*</c> (<c>_queue_bind</c> turns <c>#</c> into <c>*</c>; <c>_get_subscribe_topic</c>,
/// <c>_subscribe</c>). The exporter subscribes to the same pattern, and to <c>/{db}.{exchange}</c> for senders with
/// fanout_patterns off (kombu 4's default), unwraps kombu's envelope (<see cref="KombuEnvelope"/>) and hands the body to
/// the same <see cref="CeleryMessageApplier"/> as the RabbitMQ source.
/// Pub/sub keeps nothing: what is published while the exporter is away or cut off is lost. So a dedicated thread reads
/// the socket as fast as Redis writes it into a buffer bounded by --celery.redis-buffer-bytes (dropped and counted past
/// it), and Redis's own output limit for pub/sub clients (32 MB by default) is never reached while the exporter is busy;
/// a lost connection is subscribed again at once, then with a jittered backoff while attempts fail.
/// </summary>
internal sealed class CeleryRedisSubscriber : BackgroundService
{
    /// <summary>How often a PING checks that Redis still answers while no loss is reported.</summary>
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(5);

    /// <summary>A PING unanswered this long means the server is gone though the socket looks open.</summary>
    public static readonly TimeSpan PongTimeout = TimeSpan.FromSeconds(15);

    private readonly CeleryRedisOptions _redis;
    private readonly CeleryMessageApplier _messages;
    private readonly CeleryRedisMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReconnectBackoff _backoff = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), Random.Shared);
    private readonly RateLimitedLog _failures;
    private readonly CeleryRedisBuffer _buffer;
    private readonly int _maxMessageBytes;
    private long _lastPong;
    private volatile bool _connected;
    private volatile string? _notReadyBecause;

    public CeleryRedisSubscriber(ExporterOptions options, CeleryMessageApplier messages, ExporterMetrics exporterMetrics, CeleryMetrics celeryMetrics,
        CeleryRedisMetrics metrics, TimeProvider time, ILogger<CeleryRedisSubscriber> logger)
    {
        _redis = options.Celery.Redis ?? throw new ArgumentException("the Celery source is not on Redis", nameof(options));
        _messages = messages;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _failures = new RateLimitedLog(logger, time, TimeSpan.FromSeconds(30));
        _buffer = new CeleryRedisBuffer(_redis.BufferBytes);
        Patterns = PatternsFor(_redis.Url.Database, options.Celery.Exchange);
        // base64 makes a body a third longer; the rest of the envelope is a few hundred bytes.
        _maxMessageBytes = (int)Math.Min(int.MaxValue - 1024, options.ParserLimits.MaxMessageBytes * 4L / 3 + 64 * 1024);
        var connected = celeryMetrics.BrokerConnected;
        exporterMetrics.Registry.AddBeforeCollectCallback(() =>
        {
            connected.Set(IsConnected ? 1 : 0);
            _metrics.Buffered.Set(_buffer.BufferedBytes);
        });
    }

    /// <summary>The patterns subscribed to: kombu's receiver's, and the channel of senders that leave the routing key out.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>True while subscribed on a connection that has not been reported lost.</summary>
    public bool IsConnected => _connected;

    /// <summary>Why it is not subscribed, from the last failed attempt or loss; null while subscribed.</summary>
    public string? NotReadyBecause => IsConnected ? null : _notReadyBecause;

    /// <summary>kombu's channel names for an exchange: <c>/{db}.{exchange}</c>, with glob characters in the name escaped.</summary>
    public static IReadOnlyList<string> PatternsFor(int database, string exchange)
    {
        var channel = new StringBuilder().Append('/').Append(database).Append('.');
        foreach (var c in exchange)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') channel.Append('\\');
            channel.Append(c);
        }
        var prefix = channel.ToString();
        return [prefix + "/*", prefix];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var applying = Task.Run(ApplyAllAsync, CancellationToken.None);
        await using (_messages.StartHoldTimer())
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var again = TimeSpan.Zero;
                try
                {
                    await SubscribeUntilLostAsync(stoppingToken);
                    // It worked until lost: subscribe again at once, since every second away loses events.
                    _backoff.Reset();
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    _notReadyBecause = $"{_redis.Url.Redacted}: {ex.Message}";
                    _failures.Failure($"Subscribing to Celery's events at {_redis.Url.Redacted}", ex);
                    again = _backoff.Next();
                }
                try
                {
                    if (again > TimeSpan.Zero) await Task.Delay(again, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            _buffer.Complete();
            await applying;
        }
        _messages.ApplyAllHeld();
    }

    private async Task SubscribeUntilLostAsync(CancellationToken stoppingToken)
    {
        var subscription = await RedisSubscription.OpenAsync(_redis, "jobexporter-celery", Patterns, _maxMessageBytes, stoppingToken);
        var lost = new TaskCompletionSource<(string Reason, string Detail)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = new Thread(() => ReadAll(subscription, lost)) { IsBackground = true, Name = "celery-redis-reader" };
        try
        {
            reader.Start();
            _connected = true;
            _notReadyBecause = null;
            _failures.Reset();
            _logger.LogInformation("Subscribed to Celery's events ({Patterns}) at {Redis}", string.Join(", ", Patterns), _redis.Url.Redacted);
            var loss = await WatchAsync(subscription, lost.Task, stoppingToken);
            if (loss is not { } why) return;
            // Down before the loss is counted: a scrape never shows the loss beside a connection still said to be up.
            _connected = false;
            _metrics.Reconnects.WithLabels(why.Reason).Inc();
            _notReadyBecause = $"{_redis.Url.Redacted}: {why.Reason} ({why.Detail})";
            _logger.LogWarning("Lost the subscription to Celery's events at {Redis}: {Reason} ({Detail}); subscribing again, events published meanwhile are lost",
                _redis.Url.Redacted, why.Reason, why.Detail);
        }
        finally
        {
            _connected = false;
            subscription.Dispose();
            reader.Join(RedisSubscription.SetupTimeout);
        }
    }

    /// <summary>Pings every <see cref="PingInterval"/> until the reader reports a loss or a pong is late; null when stopping.</summary>
    private async Task<(string Reason, string Detail)?> WatchAsync(RedisSubscription subscription, Task<(string Reason, string Detail)> lost,
        CancellationToken stoppingToken)
    {
        long? pingSentAt = null;
        while (true)
        {
            // Task.WhenAny does not throw: a delay cancelled by stopping just ends the wait.
            await Task.WhenAny(lost, Task.Delay(PingInterval, _time, stoppingToken));
            if (lost.IsCompleted) return await lost;
            if (stoppingToken.IsCancellationRequested) return null;
            if (pingSentAt is { } sent)
            {
                if (Interlocked.Read(ref _lastPong) >= sent) pingSentAt = null;
                else if (_time.GetElapsedTime(sent) >= PongTimeout) return (CeleryRedisMetrics.Unresponsive, $"no answer to PING in {PongTimeout.TotalSeconds:F0} s");
                else continue;
            }
            try
            {
                pingSentAt = _time.GetTimestamp();
                subscription.Ping();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                return (CeleryRedisMetrics.ConnectionLost, ex.Message);
            }
        }
    }

    /// <summary>The reader thread: every reply as soon as it arrives; messages into the bounded buffer, pongs noted.</summary>
    private void ReadAll(RedisSubscription subscription, TaskCompletionSource<(string, string)> lost)
    {
        var reader = subscription.Reader;
        // What was read is handed over before each wait on the socket: in batches while Redis sends, at once when it pauses.
        reader.BeforeStreamRead = _buffer.HandOver;
        try
        {
            while (true)
            {
                var push = reader.ReadPush();
                switch (push.Kind)
                {
                    case PushKind.Message:
                        Enqueue(push);
                        break;
                    case PushKind.Pong:
                        Interlocked.Exchange(ref _lastPong, _time.GetTimestamp());
                        break;
                    case PushKind.Error:
                        lost.TrySetResult((CeleryRedisMetrics.ProtocolError, $"Redis sent an error: {push.Text}"));
                        return;
                }
            }
        }
        catch (RespProtocolException ex)
        {
            lost.TrySetResult((CeleryRedisMetrics.ProtocolError, ex.Message));
        }
        catch (Exception ex)
        {
            lost.TrySetResult((CeleryRedisMetrics.ConnectionLost, ex.Message));
        }
        finally
        {
            // The messages read before the loss are applied too.
            _buffer.HandOver();
        }
    }

    /// <summary>
    /// Takes the event out of kombu's envelope here, on the reader thread, and buffers only the event's JSON: the applier
    /// then does what it does for RabbitMQ and no more, while the envelope's JSON and base64 are read in parallel with it.
    /// </summary>
    private void Enqueue(Push message)
    {
        if (message.TooLarge)
        {
            _messages.Reject(InvalidReasons.TooLarge);
            return;
        }
        if (message.NotBulk || !KombuEnvelope.TryRead(message.Data, out var envelope, out _))
        {
            _messages.Reject(CeleryInvalidReasons.BadEnvelope);
            return;
        }
        try
        {
            if (!CeleryEventDecoder.IsJson(envelope.ContentType)) _messages.Reject(CeleryInvalidReasons.UnsupportedContentType);
            else if (!_buffer.TryAdd(envelope.Body)) _metrics.Dropped.Inc();
        }
        finally
        {
            envelope.Return();
        }
    }

    /// <summary>Applies the buffered messages in order until the buffer is completed (stopping) and drained.</summary>
    private Task ApplyAllAsync() => _buffer.ReadAllAsync(Apply);

    // Only JSON bodies are buffered (see Enqueue).
    private void Apply(ReadOnlySpan<byte> body) => _messages.Apply(body, CeleryFeedContentType);

    private const string CeleryFeedContentType = "application/json";
}
