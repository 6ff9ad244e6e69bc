using JobExporter.Contracts;

namespace JobExporter.Tests.Contracts;

/// <summary>Keeps what the parser hands over, good events and rejections, in order.</summary>
internal sealed class RecordingSink : IEventSink
{
    public List<JobEvent> Events { get; } = [];
    public List<string> Invalid { get; } = [];
    public void OnEvent(JobEvent e) => Events.Add(e);
    public void OnInvalid(string reason) => Invalid.Add(reason);
}
