using System.Collections.Concurrent;
using JobExporter.Contracts;

namespace JobExporter.Hangfire.Backlog;

/// <summary>
/// The queues the reporter reads: those configured, those the storage's servers listen on, and those this process's
/// jobs were sent to or received from. Hangfire's monitoring API lists queues only together with their first jobs
/// (<c>Queues()</c> loads them), so names are gathered without it. A queue once known stays, so that a drained queue
/// reads 0 rather than vanishing; at most <see cref="BacklogSnapshot.MaxQueues"/> are kept (queue names made from job
/// arguments cannot grow without bound). Thread-safe: hooks learn, the reporter reads.
/// </summary>
internal sealed class BacklogQueueNames
{
    private readonly ConcurrentDictionary<string, byte> _names = new(StringComparer.Ordinal);

    public BacklogQueueNames(IEnumerable<string> configured)
    {
        foreach (var name in configured) Learn(name);
    }

    public void Learn(string name)
    {
        // ContainsKey first: on the job's path a known name costs one lookup and no write.
        if (_names.ContainsKey(name) || _names.Count >= BacklogSnapshot.MaxQueues || string.IsNullOrEmpty(name)) return;
        _names.TryAdd(name, 0);
    }

    public IReadOnlyList<string> Snapshot()
    {
        var names = _names.Keys.ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
