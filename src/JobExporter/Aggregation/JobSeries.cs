using JobExporter.Metrics;
using Prometheus;

namespace JobExporter.Aggregation;

/// <summary>
/// The metric children of one job (system, name, queue) on one host, looked up once when the job is first
/// seen there and kept, so that applying an event is one dictionary lookup instead of a label lookup per
/// metric. Failure and retry children are kept per exception type. One of these exists per job and host (100,000 on
/// a central exporter of 1,000 workers x 100 job names), so it holds no collection it does not need.
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

    /// <summary>Fields, not properties: they are changed in place.</summary>
    public ByException Failed;
    public ByException Retried;

    /// <summary>
    /// A counter family with the exception label, for this job: the child without a type (<c>exception=""</c>, created
    /// with the job, where failures past the series cap count) and one per type seen, in a short array searched in order
    /// (a job fails with a few types; 40 bytes for one, where a dictionary took 200).
    /// </summary>
    public struct ByException(CompactCounter.Child untyped)
    {
        private readonly CompactCounter.Child _untyped = untyped;
        private (string Exception, CompactCounter.Child Child)[]? _typed;

        public readonly CompactCounter.Child? Find(string exception)
        {
            if (exception.Length == 0) return _untyped;
            foreach (var (type, child) in _typed ?? []) if (string.Equals(type, exception, StringComparison.Ordinal)) return child;
            return null;
        }

        public void Add(string exception, CompactCounter.Child child) => _typed = [.. _typed ?? [], (exception, child)];

        /// <summary>Every child, the untyped one first, then in the order they were added.</summary>
        public readonly IEnumerable<CompactCounter.Child> All => [_untyped, .. (_typed ?? []).Select(t => t.Child)];
    }
}
