using JobExporter.Contracts;
using JobExporter.Events;

namespace JobExporter.Web;

/// <summary>
/// What the parser read from one posted batch, in order: its events and its rejections. The ingest endpoint parses a body
/// into one of these outside its apply gate, so that a batch is parsed while another is applied, then replays it whole
/// into the applier once the gate is its.
/// </summary>
internal sealed class ParsedBatch : IEventSink
{
    // An event, or the reason a part of the body was rejected: never both.
    private readonly List<(JobEvent? Event, string? Rejection)> _entries = [];

    public void OnEvent(JobEvent e) => _entries.Add((e, null));

    public void OnInvalid(string reason) => _entries.Add((null, reason));

    /// <summary>Hands every entry to <paramref name="sink"/>, in the order the parser read them.</summary>
    public void ReplayTo(IEventSink sink)
    {
        foreach (var (e, rejection) in _entries)
        {
            if (e is not null) sink.OnEvent(e);
            else sink.OnInvalid(rejection!);
        }
    }
}
