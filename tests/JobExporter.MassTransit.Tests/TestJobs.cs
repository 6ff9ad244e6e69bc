using System.Collections.Concurrent;
using MassTransit;

namespace JobExporter.MassTransit.Tests;

// The jobs the tests run: one message type and consumer per behaviour.

public sealed record PlaceOrder(int Number);

public sealed record ChargeCard(int Number);

public sealed record ShipParcel(int Number);

public sealed record Unwanted(int Number);

public sealed record HoldJob(string Gate);

/// <summary>Always succeeds.</summary>
public sealed class PlaceOrderConsumer : IConsumer<PlaceOrder>
{
    public Task Consume(ConsumeContext<PlaceOrder> context) => Task.CompletedTask;
}

/// <summary>A second consumer of <see cref="PlaceOrder"/>, so that one message makes two jobs.</summary>
public sealed class AuditOrderConsumer : IConsumer<PlaceOrder>
{
    public Task Consume(ConsumeContext<PlaceOrder> context) => Task.CompletedTask;
}

/// <summary>Throws a <see cref="TimeoutException"/> on the first attempt, succeeds on the retry.</summary>
public sealed class ChargeCardConsumer : IConsumer<ChargeCard>
{
    public Task Consume(ConsumeContext<ChargeCard> context) =>
        context.GetRetryAttempt() == 0 ? throw new TimeoutException("The card service did not answer") : Task.CompletedTask;
}

/// <summary>Always throws an <see cref="InvalidOperationException"/>: the message ends in the _error queue.</summary>
public sealed class ShipParcelConsumer : IConsumer<ShipParcel>
{
    public Task Consume(ConsumeContext<ShipParcel> context) => throw new InvalidOperationException("No courier");
}

/// <summary>Holds until its gate is opened, so that a test can see a job running.</summary>
public sealed class HoldJobConsumer : IConsumer<HoldJob>
{
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    public Task Consume(ConsumeContext<HoldJob> context) =>
        Gates.GetOrAdd(context.Message.Gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
}

public sealed record CountMe(string Batch);

/// <summary>Counts what it consumed per batch, and when, so that tests can tell every message was processed.</summary>
public sealed class CountingConsumer : IConsumer<CountMe>
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<long>> Batches = new();

    /// <summary>A batch with a gate holds each message until the gate opens, so that a backlog can build up.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    public async Task Consume(ConsumeContext<CountMe> context)
    {
        if (Gates.TryGetValue(context.Message.Batch, out var gate)) await gate.Task;
        Batches.GetOrAdd(context.Message.Batch, _ => new ConcurrentQueue<long>()).Enqueue(System.Diagnostics.Stopwatch.GetTimestamp());
    }

    public static int Count(string batch) => Batches.TryGetValue(batch, out var times) ? times.Count : 0;
}
