using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using JobExporter.Celery;
using JobExporter.Redis;

namespace JobExporter.Benchmarks;

/// <summary>
/// The Celery-over-Redis baseline: a bare pattern subscriber of the channels the exporter subscribes to (PSUBSCRIBE on a
/// plain socket), which reads each pmessage with the exporter's RESP reader (its allocation-free ReadPush), unwraps kombu's envelope (base64-decoding the
/// body) and counts the events in it by reading every JSON token, on the thread that reads the socket. Like
/// <see cref="BareConsumer"/> it prints "count N at T" every 5 ms.
/// Run as its own process: <c>JobExporter.Benchmarks bare-redis-subscriber PORT PATTERN...</c>; SIGTERM stops it.
/// </summary>
internal static class BareRedisSubscriber
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = int.Parse(args[0], CultureInfo.InvariantCulture);
        var gate = new Lock();
        long events = 0;
        var reachedAt = Stopwatch.GetTimestamp();
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        stream.Write(RespWriter.Command(["PSUBSCRIBE", .. args[1..]]));
        var reader = new RespReader(stream, 64 * 1024 * 1024);
        var thread = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    var push = reader.ReadPush();
                    if (push.Kind != PushKind.Message || push.TooLarge || push.NotBulk) continue;
                    if (!KombuEnvelope.TryRead(push.Data, out var message, out var reason)) throw new InvalidDataException($"not kombu's envelope: {reason}");
                    var n = BareConsumer.CeleryEvents(message.Body);
                    message.Return();
                    lock (gate)
                    {
                        events += n;
                        reachedAt = Stopwatch.GetTimestamp();
                    }
                }
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                // Cut off (Redis's output limit) or failed: what was counted stays printed, the rest is the loss measured.
                Console.Error.WriteLine($"the subscription ended: {ex.Message}");
            }
            catch (Exception)
            {
                // Stopping.
            }
        }) { IsBackground = true, Name = "bare-redis-reader" };
        thread.Start();
        await BareConsumer.ReportCountsAsync(gate, () => BareConsumer.CountLine(events, reachedAt), stop.Token);
        return 0;
    }
}
