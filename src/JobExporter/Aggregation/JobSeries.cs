using JobExporter.Metrics;
using Prometheus;

namespace JobExporter.Aggregation;

/// <summary>
/// The metric children of one job (system, name, queue) on one host, looked up once when the job is first
/// seen there and kept, so that applying an event is one dictionary lookup instead of a label lookup per
/// metric. Failure and retry children are kept per exception type.
/// </summary>
internal sealed class JobSeries
{
    public required CompactCounter.Child Received { get; init; }
    public required CompactCounter.Child Started { get; init; }
    public required CompactCounter.Child Succeeded { get; init; }
    public required CompactCounter.Child Rejected { get; init; }
    public required CompactCounter.Child Revoked { get; init; }
    // Histograms are created on their first observation: a histogram at zero is many series for nothing.
    public Histogram.Child? RuntimeSucceeded { get; set; }
    public Histogram.Child? RuntimeFailed { get; set; }
    public Histogram.Child? Wait { get; set; }
    public Dictionary<string, CompactCounter.Child> FailedByException { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, CompactCounter.Child> RetriedByException { get; } = new(StringComparer.Ordinal);
}
