using JobExporter.Transport;

namespace JobExporter.Emitter;

/// <summary>
/// Sends one round of events as few messages as the wire contract allows: one per routing key
/// (<c>&lt;system&gt;.&lt;type&gt;.&lt;hostname&gt;</c>), each a JSON array of at most
/// <see cref="EventPublisherOptions.MaxBatchSize"/> events and <see cref="MessageBodies.MaxBytes"/> bytes, all in flight
/// at once. Used by the publisher's one send loop only, so its scratch lists are reused from round to round.
/// </summary>
internal sealed class EventBatches(EventPublisherOptions options)
{
    private readonly RoutingKeyGroups _groups = new();
    private readonly Dictionary<(string System, EventType Type, string Hostname), string> _routingKeys = [];

    /// <summary>
    /// Serialises the round's events and puts its messages on the wire without waiting for the broker's confirms;
    /// <see cref="PublishRound.CompleteAsync"/> waits for them. A send that fails at once fails the round the same way.
    /// </summary>
    public void Start(IEventConnection connection, PublishRound round)
    {
        try
        {
            foreach (var e in round.Events) _groups.Add(e);
            foreach (var pair in _groups.ByKey)
            {
                var (key, group) = (pair.Key, pair.Value);
                for (var start = 0; start < group.Count;)
                {
                    var body = new PooledBufferWriter(Math.Min(options.MaxBatchSize, group.Count - start) * 256);
                    int events;
                    try
                    {
                        events = MessageBodies.Write(body, group, start, options.MaxBatchSize);
                        start += events;
                    }
                    catch
                    {
                        body.Dispose();
                        throw;
                    }
                    Task send;
                    try
                    {
                        send = connection.PublishAsync(RoutingKey(key), body.WrittenMemory, events, round.Token).AsTask();
                    }
                    catch (Exception ex)
                    {
                        send = Task.FromException(ex);
                    }
                    round.Add(send, body);
                }
            }
        }
        finally
        {
            _groups.Clear();
        }
    }

    private string RoutingKey((string System, EventType Type, string Hostname) key)
    {
        if (!_routingKeys.TryGetValue(key, out var routingKey))
        {
            if (_routingKeys.Count > 256) _routingKeys.Clear();
            _routingKeys[key] = routingKey = RoutingKeys.For(key.System, key.Type, key.Hostname);
        }
        return routingKey;
    }
}
