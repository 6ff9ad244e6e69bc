namespace JobExporter.Metrics;

/// <summary>The label names the exporter uses, written once.</summary>
internal static class LabelNames
{
    public const string System = "system";
    public const string Name = "name";
    public const string Queue = "queue";
    public const string Hostname = "hostname";
    public const string Exception = "exception";
    public const string Outcome = "outcome";
    public const string Type = "type";
    public const string Reason = "reason";
    public const string Label = "label";
    public const string Version = "version";
    public const string Revision = "revision";
    public const string Collector = "collector";
    public const string State = "state";
    public const string Metric = "metric";

    /// <summary>On every series: the event stream the exporter consumes (see <see cref="Configuration.EventStream"/>).</summary>
    public const string Stream = "stream";

    /// <summary>The labels whose values come from events, and so are sanitised and capped.</summary>
    public static readonly string[] Guarded = [System, Name, Queue, Hostname, Exception];
}
