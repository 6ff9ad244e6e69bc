using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using JobExporter.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JobExporter.Benchmarks;

/// <summary>
/// The ingest baseline: a bare RabbitMQ.Client consumer that reads each message and counts its events, and acknowledges
/// it exactly as the exporter consumes (same prefetch, the exporter's own <see cref="JobExporter.Broker.BatchAcknowledger"/>
/// with the same batch and linger, one dispatcher). How it reads a message is its <see cref="Payload"/>.
/// Every 5 ms it prints "count N at T": N events so far, the N-th counted at T (<see cref="Stopwatch.GetTimestamp"/>, its
/// monotonic clock), so that a drain's start and end are timed to the event, not to the line.
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
        var prefetch = ushort.Parse(args[2], CultureInfo.InvariantCulture);
        var count = Counter(Enum.Parse<Payload>(args[3]));
        // The count and the moment it was reached, changed together (one dispatcher writes, the printing loop reads).
        var gate = new Lock();
        long events = 0;
        var reachedAt = Stopwatch.GetTimestamp();
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
            var n = count(delivery.Body.Span);
            lock (gate)
            {
                events += n;
                reachedAt = Stopwatch.GetTimestamp();
            }
            return acks.AppliedAsync(delivery.DeliveryTag, CancellationToken.None).AsTask();
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        await ReportCountsAsync(gate, () => CountLine(events, reachedAt), stop.Token);
        return 0;
    }

    /// <summary>Prints the count line every 5 ms until stopped: the harness reads the last line it saw.</summary>
    internal static async Task ReportCountsAsync(Lock gate, Func<string> countLine, CancellationToken stop)
    {
        var output = Console.Out;
        while (!stop.IsCancellationRequested)
        {
            string line;
            lock (gate) line = countLine();
            await output.WriteLineAsync(line);
            await output.FlushAsync();
            try
            {
                await Task.Delay(5, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    internal static string CountLine(long events, long reachedAt) => string.Create(CultureInfo.InvariantCulture, $"count {events} at {reachedAt}");

    /// <summary>Reads a "count N at T" line into the consumer's progress.</summary>
    public static bool TryParseCountLine(string line, out Progress progress)
    {
        progress = default;
        var parts = line.Split(' ');
        if (parts is not ["count", var n, "at", var t]) return false;
        progress = new Progress(long.Parse(n, CultureInfo.InvariantCulture), long.Parse(t, CultureInfo.InvariantCulture) / (double)Stopwatch.Frequency,
            ReachedAt: true);
        return true;
    }

    private delegate long EventCounter(ReadOnlySpan<byte> body);

    private static EventCounter Counter(Payload payload)
    {
        switch (payload)
        {
            case Payload.Events:
                // Read as the exporter reads them (job ids checked, not kept).
                var parser = new EventParser { KeepJobIds = false };
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

    internal static long CeleryEvents(ReadOnlySpan<byte> body)
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
