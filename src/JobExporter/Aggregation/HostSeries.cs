using JobExporter.Metrics;
using Prometheus;

namespace JobExporter.Aggregation;

/// <summary>
/// Remembers which histogram series carry each worker's hostname (--metrics.histogram-hostname; the job counters go
/// with their job series), so that all of them can be removed when the worker has been down long enough (series that never go away are what users of other exporters hate).
/// A removed series gives its room back to the <see cref="SeriesBudget"/>.
/// Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class HostSeries(SeriesBudget budget)
{
    private readonly Dictionary<WorkerKey, List<(Collector Family, string[] Labels, Action? OnRemoved)>> _series = [];

    /// <param name="onRemoved">Called when the series is removed, for a cache that holds it.</param>
    public void Add(WorkerKey worker, Collector family, string[] labels, Action? onRemoved = null)
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
            }
            budget.Release(family.Name);
            onRemoved?.Invoke();
        }
        return list.Count;
    }
}
