using System.Runtime.InteropServices;
using JobExporter.Aggregation;
using JobExporter.Contracts;
using JobExporter.Events;

namespace JobExporter.Broker;

/// <summary>
/// The good events the parser reads from one delivery, kept with the delivery's tag and session until
/// <see cref="ApplyLoop"/> applies them together (<see cref="EventApplier.OnEvents"/>); rejections go straight to the
/// applier, which counts them apart from the events. Pooled by the loop: filled by the dispatcher, then read by the loop.
/// </summary>
internal sealed class DeliveryEvents(EventApplier applier) : IEventSink
{
    private readonly List<JobEvent> _events = [];

    public ulong DeliveryTag { get; private set; }

    public SessionDeliveries Session { get; private set; } = null!;

    public ReadOnlySpan<JobEvent> Events => CollectionsMarshal.AsSpan(_events);

    /// <summary>Starts gathering the events of another delivery.</summary>
    public void Start(ulong deliveryTag, SessionDeliveries session)
    {
        _events.Clear();
        DeliveryTag = deliveryTag;
        Session = session;
    }

    public void OnEvent(JobEvent e) => _events.Add(e);

    public void OnInvalid(string reason) => applier.OnInvalid(reason);

    /// <summary>Lets go of the events and the session, so that a pooled instance keeps neither alive.</summary>
    public void Clear()
    {
        _events.Clear();
        Session = null!;
    }
}
