using System.Diagnostics;
using JobExporter.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.MassTransit.Tests;

/// <summary>
/// Listens to the events one emitter (one hostname) publishes, straight from the jobs.events exchange, through
/// a temporary queue: what the exporter would receive, without the exporter. Duplicates (the publisher's
/// resends) are dropped by event id, as the exporter does.
/// </summary>
internal sealed class EventTap : IAsyncDisposable, IEventSink
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly EventParser _parser = new();
    private readonly List<JobEvent> _events = [];
    private readonly HashSet<string> _ids = [];
    private readonly List<string> _invalid = [];

    private EventTap(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<EventTap> StartAsync(Uri broker, string hostname, string exchange = EventDefaults.ExchangeName)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, exchange, RoutingKeys.ForHost(hostname));
        var tap = new EventTap(connection, channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            tap._parser.Parse(delivery.Body.Span, tap);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return tap;
    }

    public IReadOnlyList<JobEvent> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    public int Count(EventType type, string? name = null) => Events.Count(e => e.Type == type && (name is null || e.Name == name));

    public IReadOnlyList<JobEvent> Of(EventType type, string? name = null) => Events.Where(e => e.Type == type && (name is null || e.Name == name)).ToArray();

    /// <summary>Waits until the events seen so far satisfy the condition, failing with all of them after the deadline.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<JobEvent>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        while (!condition(Events))
        {
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit} waiting for {what}. Events seen:\n{Describe()}");
            }
            await Task.Delay(20);
        }
    }

    public Task WaitForCountAsync(EventType type, string? name, int count, TimeSpan? timeout = null) =>
        WaitForAsync(_ => Count(type, name) >= count, $"{count} x {type.ToWireName()} {name}", timeout);

    public string Describe()
    {
        var lines = Events.Select(e => $"  {e.Type.ToWireName()} name={e.Name} queue={e.Queue} exception={e.Exception} active={e.Active} dropped={e.Dropped}");
        var invalid = _invalid.Count > 0 ? $"\n  invalid: {string.Join(", ", _invalid)}" : "";
        return string.Join("\n", lines) + invalid;
    }

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
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
