using System.Diagnostics;
using JobExporter.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>
/// What the emitter costs a message, measured rather than asserted (the machine is shared): a backlog is
/// consumed one message at a time on MassTransit's in-memory transport, with and without the emitter (its
/// events going to the real node), and the median gap between two consumed messages is compared. Rounds
/// alternate so that the machine's noise falls on both sides. Sends are timed the same way.
/// </summary>
[TestFixture]
public sealed class OverheadTests
{
    private const int Messages = 2000;
    private const int Rounds = 3;

    [Test]
    public async Task The_emitter_adds_a_few_microseconds_to_each_message()
    {
        var without = new List<Measurement>();
        var with = new List<Measurement>();
        await MeasureAsync(emitter: false); // warm-up: JIT and caches
        for (var round = 0; round < Rounds; round++)
        {
            without.Add(await MeasureAsync(emitter: false));
            with.Add(await MeasureAsync(emitter: true));
        }

        var consumeWithout = Median(without.Select(m => m.ConsumeMicros));
        var consumeWith = Median(with.Select(m => m.ConsumeMicros));
        var sendWithout = Median(without.Select(m => m.SendMicros));
        var sendWith = Median(with.Select(m => m.SendMicros));
        TestContext.Out.WriteLine($"Per-message overhead of the emitter (median of {Rounds} rounds x {Messages} messages, in-memory transport):");
        TestContext.Out.WriteLine($"  consume: {consumeWithout:F1} us without, {consumeWith:F1} us with -> {consumeWith - consumeWithout:F1} us added");
        TestContext.Out.WriteLine($"  send:    {sendWithout:F1} us without, {sendWith:F1} us with -> {sendWith - sendWithout:F1} us added");
        TestContext.Progress.WriteLine($"MassTransit emitter overhead: consume +{consumeWith - consumeWithout:F1} us, send +{sendWith - sendWithout:F1} us (median)");

        Assert.That(with.Concat(without).Select(m => m.Consumed), Is.All.EqualTo(Messages));
    }

    private static async Task<Measurement> MeasureAsync(bool emitter)
    {
        var batch = Broker.UniqueName("overhead");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CountingConsumer.Gates[batch] = gate;
        var services = new ServiceCollection();
        services.AddMassTransit(x =>
        {
            x.AddConsumer<CountingConsumer>();
            if (emitter)
            {
                x.AddJobExporter(o =>
                {
                    o.BrokerUrl = Broker.Node.AmqpUrl;
                    o.Hostname = batch;
                    o.BufferCapacity = 100_000;
                });
            }
            x.UsingInMemory((context, cfg) =>
            {
                if (emitter) cfg.UseJobExporter(context);
                cfg.ReceiveEndpoint(batch, e =>
                {
                    e.ConcurrentMessageLimit = 1;
                    e.PrefetchCount = 1;
                    e.ConfigureConsumer<CountingConsumer>(context);
                });
            });
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{batch}"));
            var sends = new double[Messages];
            for (var i = 0; i < Messages; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await endpoint.Send(new CountMe(batch));
                sends[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
            gate.SetResult();
            await Waiting.UntilAsync(() => CountingConsumer.Count(batch) == Messages, $"{Messages} messages consumed");
            if (provider.GetService<JobEmitter>() is { } jobEmitter)
            {
                // Proof that the emitter was in the path: every message's events reached the real node.
                await Waiting.UntilAsync(() => jobEmitter.Publisher.Published >= 4 * Messages, "the events published");
            }
            var times = CountingConsumer.Batches[batch].ToArray();
            var gaps = times.Zip(times.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMicroseconds);
            return new Measurement(times.Length, Median(gaps), Median(sends));
        }
        finally
        {
            await bus.StopAsync();
            CountingConsumer.Gates.TryRemove(batch, out _);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    private sealed record Measurement(int Consumed, double ConsumeMicros, double SendMicros);
}
