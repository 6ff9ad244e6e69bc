using RabbitMQ.Client;

namespace JobExporter.Benchmarks;

/// <summary>Fills queues on the benchmark's RabbitMQ node with ready-made message bodies.</summary>
internal sealed class Broker(Uri url)
{
    public Uri Url { get; } = url;

    /// <summary>Declares a queue with the exporter's own arguments (durable, x-max-length, x-expires).</summary>
    public async Task DeclareLikeExporterAsync(string queue)
    {
        await using var connection = await Connect();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
        {
            ["x-max-length"] = 1_000_000L,
            ["x-expires"] = (long)TimeSpan.FromDays(1).TotalMilliseconds,
        });
    }

    /// <summary>Publishes every body to the queue (default exchange) and waits until the queue holds them all.</summary>
    public async Task FillAsync(string queue, IReadOnlyList<byte[]> bodies)
    {
        var before = await CountAsync(queue);
        await using (var connection = await Connect())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var properties = new BasicProperties { ContentType = "application/json" };
            foreach (var body in bodies)
            {
                await channel.BasicPublishAsync("", queue, mandatory: false, properties, body);
            }
        }
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (await CountAsync(queue) < before + bodies.Count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{queue} never held {bodies.Count} messages");
            await Task.Delay(100);
        }
    }

    /// <summary>Publishes to a queue that a consumer is draining meanwhile: no wait on the queue's length.</summary>
    public async Task FillOrDrainAsync(string queue, IReadOnlyList<byte[]> bodies)
    {
        await using var connection = await Connect();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = "application/json" };
        foreach (var body in bodies)
        {
            await channel.BasicPublishAsync("", queue, mandatory: false, properties, body);
        }
    }

    public async Task<long> CountAsync(string queue)
    {
        await using var connection = await Connect();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    public async Task PurgeAsync(string queue)
    {
        await using var connection = await Connect();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueuePurgeAsync(queue);
    }

    private Task<IConnection> Connect() => new ConnectionFactory { Uri = Url }.CreateConnectionAsync();
}
