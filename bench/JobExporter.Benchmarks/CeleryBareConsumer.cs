using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Benchmarks;

/// <summary>
/// The Celery ingest baseline: a bare RabbitMQ.Client consumer that reads every token of each Celery message with
/// <see cref="Utf8JsonReader"/> (the least any JSON consumer does), counts its events (one object, or each object of a
/// task.multi list) and acknowledges it, exactly as the exporter consumes (same prefetch, manual acks one by one).
/// Prints "count N" every 20 ms. Run as <c>JobExporter.Benchmarks bare-celery-consumer URL QUEUE PREFETCH</c>.
/// </summary>
internal static class CeleryBareConsumer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(args[0]);
        var queue = args[1];
        var prefetch = ushort.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        long count = 0;
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

        await using var connection = await new ConnectionFactory { Uri = url }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, prefetch, global: false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            Volatile.Write(ref count, count + Events(delivery.Body.Span));
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        var output = Console.Out;
        while (!stop.IsCancellationRequested)
        {
            await output.WriteLineAsync($"count {Volatile.Read(ref count)}");
            await output.FlushAsync();
            try
            {
                await Task.Delay(20, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return 0;
    }

    private static long Events(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        long events = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth <= 1) events++;
        }
        return events;
    }
}
