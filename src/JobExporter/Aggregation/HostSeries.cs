using Prometheus;

namespace JobExporter.Aggregation;

/// <summary>
/// Remembers which series carry each worker's hostname, so that all of them can be removed when the
/// worker has been down long enough (series that never go away are what users of other exporters hate).
/// Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class HostSeries
{
    private readonly Dictionary<WorkerKey, List<(Collector Family, string[] Labels)>> _series = [];

    public void Add(WorkerKey worker, Collector family, string[] labels)
    {
        if (!_series.TryGetValue(worker, out var list))
        {
            _series[worker] = list = [];
        }
        list.Add((family, labels));
    }

    /// <summary>Removes every remembered series of the worker from its metric family.</summary>
    public int RemoveAll(WorkerKey worker)
    {
        if (!_series.Remove(worker, out var list)) return 0;
        foreach (var (family, labels) in list)
        {
            switch (family)
            {
                case Counter counter: counter.RemoveLabelled(labels); break;
                case Gauge gauge: gauge.RemoveLabelled(labels); break;
                case Histogram histogram: histogram.RemoveLabelled(labels); break;
            }
        }
        return list.Count;
    }
}
