namespace JobExporter.Contracts;

/// <summary>Settings of <see cref="EventPublisher"/>. Every default is stated here once.</summary>
public sealed class EventPublisherOptions
{
    /// <summary>The broker, as an amqp:// or amqps:// URL. Required.</summary>
    public Uri? BrokerUrl { get; set; }

    /// <summary>
    /// Password that replaces the one in <see cref="BrokerUrl"/>, so that the URL can live in plain configuration and
    /// the password in a secret store. Default null: the URL's password.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>PEM file of the CA(s) that signed the broker's certificate (amqps:// only). Default null: the system's trusted CAs.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate for amqps://, with <see cref="KeyFile"/>. Default null: none.</summary>
    public string? CertFile { get; set; }

    /// <summary>PEM private key of <see cref="CertFile"/>. Default null.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The durable topic exchange events go to. Default <c>jobs.events</c>.</summary>
    public string Exchange { get; set; } = EventDefaults.ExchangeName;

    /// <summary>Events held in memory while the broker is slow or away. Default 10,000; when full, the oldest is dropped.</summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>Most events sent in one batch message. Default 200.</summary>
    public int MaxBatchSize { get; set; } = 200;

    /// <summary>How long disposing waits to send what is still buffered. Default 5 s.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before reconnecting after a failure; doubles up to <see cref="MaxReconnectDelay"/>. Default 500 ms.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between reconnection attempts. Default 15 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one publish may wait for the broker's confirm before the connection is dropped and retried. Default 10 s.</summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws with a clear message when a setting cannot work.</summary>
    public void Validate()
    {
        if (BrokerUrl is null) throw new ArgumentException("EventPublisherOptions.BrokerUrl is required (amqp://user:password@host:5672/vhost).");
        if (BrokerUrl.Scheme is not ("amqp" or "amqps")) throw new ArgumentException($"EventPublisherOptions.BrokerUrl must be amqp:// or amqps://, not {BrokerUrl.Scheme}://.");
        if ((CaFile is not null || CertFile is not null || KeyFile is not null) && BrokerUrl.Scheme != "amqps")
        {
            throw new ArgumentException("EventPublisherOptions.CaFile, CertFile and KeyFile need an amqps:// BrokerUrl.");
        }
        if ((CertFile is null) != (KeyFile is null)) throw new ArgumentException("EventPublisherOptions.CertFile and KeyFile go together: set both or neither.");
        if (string.IsNullOrWhiteSpace(Exchange)) throw new ArgumentException("EventPublisherOptions.Exchange must not be empty.");
        if (BufferCapacity < 1) throw new ArgumentException("EventPublisherOptions.BufferCapacity must be at least 1.");
        if (MaxBatchSize < 1) throw new ArgumentException("EventPublisherOptions.MaxBatchSize must be at least 1.");
    }
}
