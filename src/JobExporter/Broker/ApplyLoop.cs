using System.Collections.Concurrent;
using JobExporter.Aggregation;
using Microsoft.Extensions.Logging;

namespace JobExporter.Broker;

/// <summary>
/// Applies the consumer's parsed deliveries and then reports each applied to its session, in the order they were
/// parsed, on a thread of its own. Meanwhile the client's dispatcher parses the next message, so parsing and applying run
/// on two cores: applying each message's events on the dispatcher made that one thread the bottleneck of batched ingest.
/// At most <see cref="Capacity"/> deliveries wait; then the dispatcher waits too, and the broker through the prefetch.
/// </summary>
internal sealed class ApplyLoop : IDisposable
{
    /// <summary>Parsed deliveries that may wait: enough to ride out a slow apply, few enough to hold little memory.</summary>
    public const int Capacity = 16;

    // Read by a thread of its own, which blocks when there is nothing to apply: applying never waits behind other
    // thread-pool work, nor holds a pool thread for the life of the exporter.
    private readonly BlockingCollection<Work> _queue = new(Capacity);
    private readonly ConcurrentQueue<DeliveryEvents> _free = new();
    private readonly EventApplier _applier;
    private readonly ILogger _logger;

    public ApplyLoop(EventApplier applier, ILogger logger)
    {
        _applier = applier;
        _logger = logger;
        new Thread(Run) { IsBackground = true, Name = "jobexporter-apply" }.Start();
    }

    /// <summary>Where to parse a delivery's events into: one the loop has finished with, when there is one.</summary>
    public DeliveryEvents Rent(ulong deliveryTag, SessionDeliveries session)
    {
        var events = _free.TryDequeue(out var free) ? free : new DeliveryEvents(_applier);
        events.Start(deliveryTag, session);
        return events;
    }

    /// <summary>Queues a parsed delivery to be applied, waiting while <see cref="Capacity"/> already wait.</summary>
    public void Enqueue(DeliveryEvents delivery)
    {
        try
        {
            _queue.Add(new Work(delivery, Drained: null));
        }
        catch (InvalidOperationException)
        {
            // Stopped: the delivery stays unacknowledged and the broker delivers it again to the next exporter.
        }
    }

    /// <summary>Completes once everything queued before it was applied, or skipped because its session was lost.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _queue.Add(new Work(Delivery: null, drained), cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return; // Stopped: nothing is applied any more.
        }
        await drained.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Ends the loop once what is queued was applied.</summary>
    public void Dispose() => _queue.CompleteAdding();

    private void Run()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            if (work.Delivery is { } delivery) Apply(delivery);
            else work.Drained?.TrySetResult();
        }
        _queue.Dispose();
    }

    private void Apply(DeliveryEvents delivery)
    {
        var session = delivery.Session;
        try
        {
            if (session.IsLost) return;
            var events = delivery.Events.Length;
            _applier.OnEvents(delivery.Events);
            // Most reports only record the tag; one in a batch sends the acknowledgement, which this thread waits for.
            var reported = session.AppliedAsync(delivery.DeliveryTag, events);
            if (!reported.IsCompletedSuccessfully) reported.AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            // The applier counts an event it fails on and goes on, so this is a bug: the loop must outlive it. The
            // delivery stays unacknowledged; delivered again, its events already applied are dropped as duplicates.
            _logger.LogError(ex, "Applying or acknowledging a message failed; the messages after it go on");
        }
        finally
        {
            delivery.Clear();
            _free.Enqueue(delivery);
        }
    }

    /// <summary>A parsed delivery to apply, or a drain to report once reached.</summary>
    private readonly record struct Work(DeliveryEvents? Delivery, TaskCompletionSource? Drained);
}
