using JobExporter.Metrics;
using Prometheus;

namespace JobExporter.Aggregation;

/// <summary>
/// Remembers which series carry each worker's hostname, so that all of them can be removed when the
/// worker has been down long enough (series that never go away are what users of other exporters hate).
/// A removed series gives its room back to the <see cref="SeriesBudget"/>.
/// Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class HostSeries(SeriesBudget budget)
{
    private readonly Dictionary<WorkerKey, List<(object Family, string[] Labels, Action? OnRemoved)>> _series = [];

    /// <param name="onRemoved">Called when the series is removed, for a cache that holds it.</param>
    public void Add(WorkerKey worker, object family, string[] labels, Action? onRemoved = null)
    {
        if (!_series.TryGetValue(worker, out var list))
        {
            _series[worker] = list = [];
        }
        list.Add((family, labels, onRemoved));
    }

    /// <summary>Removes every remembered series of the worker from its metric family.</summary>
    public int RemoveAll(WorkerKey worker)
    {
        if (!_series.Remove(worker, out var list)) return 0;
        foreach (var (family, labels, onRemoved) in list)
        {
            switch (family)
            {
                case Counter counter: counter.RemoveLabelled(labels); break;
                case Gauge gauge: gauge.RemoveLabelled(labels); break;
                case Histogram histogram: histogram.RemoveLabelled(labels); break;
                case CompactCounter compact: compact.RemoveLabelled(labels); break;
            }
            budget.Release(family switch { Collector c => c.Name, CompactCounter c => c.Name, _ => throw new ArgumentException($"not a metric family: {family}") });
            onRemoved?.Invoke();
        }
        return list.Count;
    }
}
