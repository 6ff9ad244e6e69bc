using Prometheus;

namespace JobExporter.Collectors;

/// <summary>
/// The gauge values one poll read, held back until the poll is over and then written together through the
/// <see cref="Metrics.ScrapeGate"/>, so that a scrape sees all of a poll or none of it. Series are created at the
/// write too: creating one earlier would show it at 0 before its value is known.
/// </summary>
internal sealed class PollSnapshot
{
    private readonly List<(Gauge Gauge, string[] Labels, double Value)> _values = [];

    public void Set(Gauge gauge, double value, params string[] labels) => _values.Add((gauge, labels, value));

    public void Write()
    {
        foreach (var (gauge, labels, value) in _values)
        {
            if (labels.Length == 0) gauge.Set(value);
            else gauge.WithLabels(labels).Set(value);
        }
    }
}
