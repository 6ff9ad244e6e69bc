using JobExporter.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Testing;

/// <summary>
/// Receives an emitter's events straight from the events exchange through a temporary queue, as the exporter would,
/// without the exporter. It binds to one system, and to one hostname when given, so that a test sees only the events
/// it caused. Each event id is kept once (the publisher may resend a batch it had no confirm for), as the exporter does;
/// what the reader rejects is kept in <see cref="Invalid"/>.
/// </summary>
public sealed class EventTap : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly EventTapReader _reader;
    private readonly List<JobEvent> _events = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _invalid = [];

    private EventTap(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
        _reader = new EventTapReader(Keep, Reject);
    }

    /// <summary>
    /// Starts listening to the events of <paramref name="system"/> (e.g. "hangfire"), of every host, or only of
    /// <paramref name="hostname"/> when given.
    /// </summary>
    public static async Task<EventTap> StartAsync(Uri broker, string system, string? hostname = null, string exchange = EventDefaults.ExchangeName)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var tap = new EventTap(connection, channel);
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        // Routing keys are <system>.<type>.<hostname>.
        var binding = hostname is null ? $"{RoutingKeys.Word(system)}.#" : $"{RoutingKeys.Word(system)}.*.{RoutingKeys.Word(hostname)}";
        await channel.QueueBindAsync(queue.QueueName, exchange, binding);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            tap._reader.Read(delivery.Body.Span);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return tap;
    }

    /// <summary>Every event seen so far, each event id once, in the order received.</summary>
    public IReadOnlyList<JobEvent> Events
    {
        get { lock (_events) return [.. _events]; }
    }

    /// <summary>The reasons the reader gave for every message or event it rejected.</summary>
    public IReadOnlyList<string> Invalid
    {
        get { lock (_events) return [.. _invalid]; }
    }

    public IReadOnlyList<JobEvent> Of(EventType type, string? name = null) =>
        Events.Where(e => e.Type == type && (name is null || e.Name == name)).ToArray();

    public int Count(EventType type, string? name = null) => Of(type, name).Count;

    /// <summary>Waits until the tap satisfies the condition, failing with every event seen after the deadline (30 s by default).</summary>
    public Task WaitForAsync(Func<EventTap, bool> condition, string what, TimeSpan? timeout = null) =>
        Waiting.UntilAsync(() => condition(this), what, timeout, Describe);

    public Task WaitForCountAsync(EventType type, string? name, int count, TimeSpan? timeout = null) =>
        WaitForAsync(t => t.Count(type, name) >= count, $"{count} x {type.ToWireName()} {name}", timeout);

    /// <summary>Every event seen, one line each, and what was rejected, for failure messages.</summary>
    public string Describe()
    {
        var lines = Events.Select(e => $"  {e.Type.ToWireName()} name={e.Name} queue={e.Queue} job={e.JobId} host={e.Hostname} " +
            $"exception={e.Exception} runtime={e.Runtime} wait={e.Wait} active={e.Active} dropped={e.Dropped}");
        var invalid = Invalid;
        return string.Join("\n", lines) + (invalid.Count > 0 ? $"\n  invalid: {string.Join(", ", invalid)}" : "");
    }

    private void Keep(JobEvent e)
    {
        lock (_events)
        {
            if (_ids.Add(e.Id)) _events.Add(e);
        }
    }

    private void Reject(string reason)
    {
        lock (_events) _invalid.Add(reason);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
