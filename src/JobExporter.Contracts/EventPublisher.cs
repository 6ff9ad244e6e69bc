using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
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
public sealed class EventPublisher : IEventPublisher
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
        _ssl = CreateSslOption(options);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _buffer = Channel.CreateBounded<JobEvent>(
            new BoundedChannelOptions(options.BufferCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            },
            _ => Interlocked.Increment(ref _dropped));
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

    // TLS for amqps://: the broker's certificate must match its host name and chain to CaFile (else the system's CAs);
    // CertFile and KeyFile are the client certificate. Files are read once, here, so that a bad one fails at start.
    private static SslOption CreateSslOption(EventPublisherOptions options)
    {
        var url = options.BrokerUrl!;
        var ssl = new SslOption { Enabled = url.Scheme == "amqps", ServerName = url.Host, Version = SslProtocols.Tls12 | SslProtocols.Tls13 };
        try
        {
            if (options.CaFile is not null)
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(options.CaFile);
                if (roots.Count == 0) throw new ArgumentException($"JobExporter:CaFile '{options.CaFile}' holds no PEM certificate.");
                ssl.CertificateValidationCallback = (_, certificate, chain, errors) => IsTrusted(certificate, chain, errors, roots);
            }
            if (options.CertFile is not null)
            {
                ssl.Certs = new X509CertificateCollection { X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile) };
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"JobExporter: cannot load the TLS files (CaFile, CertFile, KeyFile): {ex.Message.Split('\n')[0]}", ex);
        }
        return ssl;
    }

    private static bool IsTrusted(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
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
