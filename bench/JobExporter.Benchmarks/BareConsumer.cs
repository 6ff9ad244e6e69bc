using System.Text.Json;
using JobExporter.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Benchmarks;

/// <summary>
/// The ingest baseline: a bare RabbitMQ.Client consumer that reads each message and counts its events, and acknowledges
/// it exactly as the exporter consumes (same prefetch, the exporter's own <see cref="JobExporter.Broker.BatchAcknowledger"/>
/// with the same batch and linger, one dispatcher). How it reads a message is its <see cref="Payload"/>.
/// It prints its count every 20 ms as "count N".
/// Run as its own process: <c>JobExporter.Benchmarks bare-consumer URL QUEUE PREFETCH PAYLOAD</c>; SIGTERM stops it.
/// </summary>
internal static class BareConsumer
{
    public enum Payload
    {
        /// <summary>Our own events, parsed with the exporter's <see cref="EventParser"/> into a sink that only counts.</summary>
        Events,

        /// <summary>
        /// Celery's event messages: every JSON token read with <see cref="Utf8JsonReader"/> (the least any JSON consumer
        /// does), counting the objects at the top (one event, or each of a task.multi list).
        /// </summary>
        CeleryTokens,
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(args[0]);
        var queue = args[1];
        var prefetch = ushort.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        var count = Counter(Enum.Parse<Payload>(args[3]));
        long events = 0;
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

        await using var connection = await new ConnectionFactory { Uri = url }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, prefetch, global: false);
        var acks = new JobExporter.Broker.BatchAcknowledger((tag, token) => channel.BasicAckAsync(tag, multiple: true, token),
            JobExporter.Broker.BatchAcknowledger.BatchSizeFor(prefetch), JobExporter.Broker.QueueConsumer.AckLinger, TimeProvider.System);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            Volatile.Write(ref events, events + count(delivery.Body.Span));
            return acks.AppliedAsync(delivery.DeliveryTag, CancellationToken.None).AsTask();
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        var output = Console.Out;
        while (!stop.IsCancellationRequested)
        {
            await output.WriteLineAsync($"count {Volatile.Read(ref events)}");
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

    private delegate long EventCounter(ReadOnlySpan<byte> body);

    private static EventCounter Counter(Payload payload)
    {
        switch (payload)
        {
            case Payload.Events:
                var parser = new EventParser();
                var sink = new CountingSink();
                return body =>
                {
                    sink.Count = 0;
                    parser.Parse(body, sink);
                    return sink.Count;
                };
            case Payload.CeleryTokens:
                return CeleryEvents;
            default:
                throw new ArgumentOutOfRangeException(nameof(payload), payload, null);
        }
    }

    private static long CeleryEvents(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        long events = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth <= 1) events++;
        }
        return events;
    }

    private sealed class CountingSink : IEventSink
    {
        public long Count;

        public void OnEvent(JobEvent e) => Count++;

        public void OnInvalid(string reason) => throw new InvalidOperationException($"invalid event in the benchmark stream: {reason}");
    }
}
