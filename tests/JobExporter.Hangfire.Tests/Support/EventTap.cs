using JobExporter.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Hangfire.Tests.Support;

/// <summary>
/// Receives the Hangfire emitter's events straight from the events exchange through a temporary queue, as the
/// exporter would, and keeps each event id once (the publisher may resend a batch it had no confirm for).
/// </summary>
internal sealed class EventTap : IEventSink, IAsyncDisposable
{
    private readonly EventParser _parser = new();
    private readonly List<JobEvent> _events = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _invalid = [];
    private IConnection? _connection;
    private IChannel? _channel;

    public static async Task<EventTap> StartAsync(Uri broker)
    {
        var tap = new EventTap();
        tap._connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        tap._channel = await tap._connection.CreateChannelAsync();
        await tap._channel.ExchangeDeclareAsync(EventDefaults.ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = await tap._channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await tap._channel.QueueBindAsync(queue.QueueName, EventDefaults.ExchangeName, $"{JobExporterHangfireOptions.System}.#");
        var consumer = new AsyncEventingBasicConsumer(tap._channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            tap._parser.Parse(delivery.Body.Span, tap);
            return Task.CompletedTask;
        };
        await tap._channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return tap;
    }

    public IReadOnlyList<JobEvent> Events
    {
        get { lock (_events) return [.. _events]; }
    }

    public IReadOnlyList<string> Invalid
    {
        get { lock (_events) return [.. _invalid]; }
    }

    public IReadOnlyList<JobEvent> Of(EventType type, string? name = null) =>
        Events.Where(e => e.Type == type && (name is null || e.Name == name)).ToArray();

    public int Count(EventType type, string? name = null) => Of(type, name).Count;

    public Task WaitForAsync(Func<EventTap, bool> condition, string what, TimeSpan? timeout = null) =>
        Waiting.UntilAsync(() => condition(this), what, timeout, Describe);

    /// <summary>Every event seen, one line each, for failure messages.</summary>
    public string Describe() => string.Join("\n", Events.Select(e =>
        $"{e.Type.ToWireName()} {e.Name} queue={e.Queue} job={e.JobId} host={e.Hostname} ex={e.Exception} runtime={e.Runtime} wait={e.Wait} active={e.Active}"));

    void IEventSink.OnEvent(JobEvent e)
    {
        lock (_events)
        {
            if (_ids.Add(e.Id)) _events.Add(e);
        }
    }

    void IEventSink.OnInvalid(string reason)
    {
        lock (_events) _invalid.Add(reason);
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
