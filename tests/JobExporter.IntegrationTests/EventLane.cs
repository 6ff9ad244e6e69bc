using JobExporter.Contracts;

namespace JobExporter.IntegrationTests;

/// <summary>
/// A test's own exchange and queue on the shared broker. The exporter binds only to this exchange, so nothing
/// another test publishes (a publisher still flushing, a redelivery) can reach it and skew its counts.
/// </summary>
internal sealed record EventLane(string Exchange, string Queue)
{
    public static EventLane New()
    {
        var id = Guid.NewGuid().ToString("N");
        return new EventLane($"jobs.test.{id}", $"jobexporter.test.{id}");
    }

    /// <summary>The exporter's flags for this lane.</summary>
    public string[] ExporterArgs => ["--broker.exchange", Exchange, "--broker.queue", Queue];

    /// <param name="flushTimeout">How long disposing it may take to publish what it holds (the emitters' default 5 s when null).</param>
    public EventPublisher Publisher(Uri broker, TimeSpan? flushTimeout = null)
    {
        var options = new EventPublisherOptions { BrokerUrl = broker, Exchange = Exchange, BufferCapacity = 200_000 };
        if (flushTimeout is { } timeout) options.FlushTimeout = timeout;
        return new EventPublisher(options);
    }

    public Task<RawPublisher> RawPublisherAsync(Uri broker) => RawPublisher.OpenAsync(broker, Exchange);
}
