using JobExporter.Contracts;

namespace JobExporter.Hangfire;

/// <summary>
/// Settings of the Hangfire emitter, usually bound from the <c>JobExporter:Hangfire</c> configuration section.
/// Every default is stated here once.
/// </summary>
public sealed class JobExporterHangfireOptions
{
    /// <summary>The configuration section the options are read from by default.</summary>
    public const string SectionName = "JobExporter:Hangfire";

    /// <summary>The value of the <c>system</c> label for every event this emitter sends.</summary>
    public const string System = "hangfire";

    /// <summary>The broker, as an amqp:// or amqps:// URL. Required.</summary>
    public Uri? BrokerUrl { get; set; }

    /// <summary>The durable topic exchange events go to. Default <c>jobs.events</c>.</summary>
    public string Exchange { get; set; } = EventDefaults.ExchangeName;

    /// <summary>The <c>hostname</c> label of this process's events. Default: the machine name (not Hangfire's server id).</summary>
    public string? Hostname { get; set; }

    /// <summary>Time between worker heartbeats while a Hangfire server runs. Default 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = EventDefaults.HeartbeatInterval;

    /// <summary>Events held in memory while the broker is slow or away. Default 10,000; when full, the oldest is dropped and counted.</summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>How long shutting the emitter down waits to send what is still buffered. Default 5 s.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The hostname events carry: <see cref="Hostname"/> when set, else the machine name.</summary>
    public string EffectiveHostname => string.IsNullOrWhiteSpace(Hostname) ? Environment.MachineName : Hostname;

    /// <summary>What is wrong with these settings, one sentence each; empty when they can work.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (BrokerUrl is null)
        {
            problems.Add($"{SectionName}:BrokerUrl is required (amqp://user:password@host:5672/vhost).");
        }
        else if (!BrokerUrl.IsAbsoluteUri || BrokerUrl.Scheme is not ("amqp" or "amqps"))
        {
            problems.Add($"{SectionName}:BrokerUrl must be an amqp:// or amqps:// URL, not '{BrokerUrl.OriginalString}'.");
        }
        if (string.IsNullOrWhiteSpace(Exchange)) problems.Add($"{SectionName}:Exchange must not be empty.");
        if (HeartbeatInterval <= TimeSpan.Zero) problems.Add($"{SectionName}:HeartbeatInterval must be positive, not {HeartbeatInterval}.");
        if (BufferCapacity < 1) problems.Add($"{SectionName}:BufferCapacity must be at least 1, not {BufferCapacity}.");
        if (FlushTimeout < TimeSpan.Zero) problems.Add($"{SectionName}:FlushTimeout must not be negative, not {FlushTimeout}.");
        return problems;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem, when there is any.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid JobExporter Hangfire options: " + string.Join(" ", problems));
        }
    }

    internal EventPublisherOptions ToPublisherOptions() => new()
    {
        BrokerUrl = BrokerUrl,
        Exchange = Exchange,
        BufferCapacity = BufferCapacity,
        FlushTimeout = FlushTimeout,
    };
}
