using System.Runtime.InteropServices;
using JobExporter.Aggregation;
using JobExporter.Contracts;
using JobExporter.Events;

namespace JobExporter.Broker;

/// <summary>
/// The good events the parser reads from one delivery, gathered so that <see cref="Apply"/> hands them to
/// <see cref="EventApplier.OnEvents"/> together; rejections go straight to the applier, which counts them apart from the
/// events. Reused from delivery to delivery by one consumer: not thread-safe.
/// </summary>
internal sealed class DeliveryEvents(EventApplier applier) : IEventSink
{
    private readonly List<JobEvent> _events = [];

    public void OnEvent(JobEvent e) => _events.Add(e);

    public void OnInvalid(string reason) => applier.OnInvalid(reason);

    /// <summary>Applies the events gathered since the last call, and lets go of them.</summary>
    public void Apply()
    {
        try
        {
            applier.OnEvents(CollectionsMarshal.AsSpan(_events));
        }
        finally
        {
            _events.Clear();
        }
    }
}
