using JobExporter.Contracts;
using JobExporter.Events;

namespace JobExporter.Testing;

/// <summary>
/// The exporter's own reader, which <see cref="EventTap"/> decodes deliveries with: the one place the test support
/// depends on it, so that it follows the reader wherever the reader lives.
/// </summary>
internal sealed class EventTapReader(Action<JobEvent> onEvent, Action<string> onInvalid) : IEventSink
{
    private readonly EventParser _parser = new();

    public void Read(ReadOnlySpan<byte> body) => _parser.Parse(body, this);

    void IEventSink.OnEvent(JobEvent e) => onEvent(e);

    void IEventSink.OnInvalid(string reason) => onInvalid(reason);
}
