using JobExporter.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Benchmarks;

/// <summary>
/// The ingest baseline: a bare RabbitMQ.Client consumer that parses each message with the exporter's own
/// EventParser into a sink that only counts, and acknowledges it, exactly as the exporter consumes (same
/// prefetch, the exporter's own <see cref="JobExporter.Broker.BatchAcknowledger"/> with the same batch and linger, one dispatcher).
/// It prints its count every 20 ms as "count N".
/// Run as its own process: <c>JobExporter.Benchmarks bare-consumer URL QUEUE PREFETCH</c>; SIGTERM stops it.
/// </summary>
internal static class BareConsumer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(args[0]);
        var queue = args[1];
        var prefetch = ushort.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        var sink = new CountingSink();
        var parser = new EventParser();
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

        await using var connection = await new ConnectionFactory { Uri = url }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, prefetch, global: false);
        var acks = new JobExporter.Broker.BatchAcknowledger((tag, token) => channel.BasicAckAsync(tag, multiple: true, token),
            JobExporter.Broker.BatchAcknowledger.BatchSizeFor(prefetch), JobExporter.Broker.EventConsumer.AckLinger, TimeProvider.System);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            parser.Parse(delivery.Body.Span, sink);
            return acks.AppliedAsync(delivery.DeliveryTag, CancellationToken.None).AsTask();
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        var output = Console.Out;
        while (!stop.IsCancellationRequested)
        {
            await output.WriteLineAsync($"count {sink.Count}");
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

    private sealed class CountingSink : IEventSink
    {
        private long _count;

        public long Count => Volatile.Read(ref _count);

        public void OnEvent(JobEvent e) => Volatile.Write(ref _count, _count + 1);

        public void OnInvalid(string reason) => throw new InvalidOperationException($"invalid event in the benchmark stream: {reason}");
    }
}
