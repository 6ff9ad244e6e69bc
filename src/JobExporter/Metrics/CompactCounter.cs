using System.Buffers;
using Prometheus;

namespace JobExporter.Metrics;

/// <summary>
/// A counter family for the job counters, which hold one series per job and host (700,000 on a central exporter of
/// 1,000 workers x 100 job names). A prometheus-net child costs about 600 bytes (its own and its static labels'
/// sequences, their cached UTF-8, a dictionary entry keyed by both); a child here is its value and the label values
/// array the caller made (shared by a job's counters), about 100 bytes with the dictionary entry. The page is written
/// as prometheus-net writes a counter family, byte for byte: the declaration and the static labels are taken from
/// prometheus-net itself, series come in the order its children dictionary would give them (a
/// <see cref="Dictionary{TKey,TValue}"/> with the same additions and removals), values formatted the same way.
/// Thread-safe: adding and removing take a lock, incrementing does not; a page copies the children under the lock and
/// writes them outside it.
/// </summary>
internal sealed class CompactCounter
{
    /// <summary>One series: its label values (in the family's order; never changed after) and its value.</summary>
    public sealed class Child
    {
        private double _value;

        internal Child(string[] labelValues) => LabelValues = labelValues;

        internal string[] LabelValues { get; }

        public double Value => Volatile.Read(ref _value);

        public void Inc(double increment = 1.0)
        {
            if (increment < 0.0) throw new ArgumentOutOfRangeException(nameof(increment), "A counter cannot decrease.");
            var current = Volatile.Read(ref _value);
            while (true)
            {
                var seen = Interlocked.CompareExchange(ref _value, current + increment, current);
                if (seen.Equals(current)) return;
                current = seen;
            }
        }
    }

    private readonly Dictionary<string[], Child> _children = new(LabelValuesComparer.Instance);
    private readonly Lock _sync = new();
    private readonly CounterLayout _layout;

    public CompactCounter(string name, string help, string[] labelNames, IReadOnlyDictionary<string, string> staticLabels)
    {
        Name = name;
        LabelNames = labelNames;
        _layout = CounterLayout.Of(name, help, labelNames, staticLabels);
    }

    public string Name { get; }
    public string[] LabelNames { get; }

    public int Count
    {
        get
        {
            lock (_sync) return _children.Count;
        }
    }

    /// <summary>
    /// The series of these label values, created at 0 when new. The array becomes the series' own: the caller must not
    /// change it afterwards (it may share it between families).
    /// </summary>
    public Child WithLabels(params string[] labelValues)
    {
        if (labelValues.Length != LabelNames.Length)
        {
            throw new ArgumentException($"{Name} takes {LabelNames.Length} label values, not {labelValues.Length}.", nameof(labelValues));
        }
        lock (_sync)
        {
            if (_children.TryGetValue(labelValues, out var child)) return child;
            foreach (var value in labelValues) ArgumentNullException.ThrowIfNull(value, nameof(labelValues));
            _children.Add(labelValues, child = new Child(labelValues));
            return child;
        }
    }

    public void RemoveLabelled(params string[] labelValues)
    {
        lock (_sync) _children.Remove(labelValues);
    }

    public void Remove(Child child) => RemoveLabelled(child.LabelValues);

    /// <summary>The label values of every series (the arrays themselves: do not change them).</summary>
    public IReadOnlyList<string[]> GetAllLabelValues()
    {
        lock (_sync) return [.. _children.Keys];
    }

    /// <summary>Writes the family in the text format, declaration first.</summary>
    public async Task WriteAsync(Stream page, CancellationToken cancellationToken)
    {
        Child[] children;
        int count;
        lock (_sync)
        {
            count = _children.Count;
            children = ArrayPool<Child>.Shared.Rent(count);
            _children.Values.CopyTo(children, 0);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(SampleWriter.BufferSize);
        try
        {
            var writer = new SampleWriter(buffer);
            writer.Append(_layout.Declaration);
            for (var i = 0; i < count; i++)
            {
                if (!writer.TryWrite(_layout, children[i]))
                {
                    await page.WriteAsync(writer.Written, cancellationToken);
                    writer.Clear();
                    if (!writer.TryWrite(_layout, children[i])) await page.WriteAsync(SampleWriter.Alone(_layout, children[i]), cancellationToken);
                }
            }
            await page.WriteAsync(writer.Written, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<Child>.Shared.Return(children, clearArray: true);
        }
    }

    /// <summary>Label values compared by content, as prometheus-net compares its label sequences.</summary>
    private sealed class LabelValuesComparer : IEqualityComparer<string[]>
    {
        public static readonly LabelValuesComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => ((ReadOnlySpan<string>)x).SequenceEqual(y, StringComparer.Ordinal);

        public int GetHashCode(string[] values)
        {
            var hash = new HashCode();
            foreach (var value in values) hash.Add(value, StringComparer.Ordinal);
            return hash.ToHashCode();
        }
    }
}
