using JobExporter.Contracts;

namespace JobExporter.Events;

/// <summary>Receives what <see cref="EventParser"/> reads from a message: good events and rejections.</summary>
internal interface IEventSink
{
    void OnEvent(JobEvent e);

    /// <summary>One message or one event was rejected; <paramref name="reason"/> is one of <see cref="InvalidReasons"/>.</summary>
    void OnInvalid(string reason);
}
