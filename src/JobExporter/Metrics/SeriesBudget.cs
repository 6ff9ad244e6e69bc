namespace JobExporter.Metrics;

/// <summary>
/// Caps the series of each job metric family (--metrics.max-series), named by the family's name. The label caps alone do not: a thousand names
/// and a thousand hostnames, each under its own cap, still make a million series. A series is a line on the page, so
/// a histogram child costs its buckets plus <c>_sum</c> and <c>_count</c>. What may not be created here the applier
/// folds into <c>__other__</c> and counts by <c>onOverflow</c>, with the family's name.
/// Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class SeriesBudget(int maxSeries, Action<string>? onOverflow = null)
{
    private readonly Dictionary<string, int> _used = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _linesPerChild = new(StringComparer.Ordinal);

    public int MaxSeries => maxSeries;

    /// <summary>Says how many lines one child of <paramref name="family"/> writes (default 1).</summary>
    public void SetLinesPerChild(string family, int lines) => _linesPerChild[family] = lines;

    /// <summary>Takes room for one new child in every one of <paramref name="families"/>, or in none (and counts each) when one is full.</summary>
    public bool TryTake(params ReadOnlySpan<string> families)
    {
        var fits = true;
        foreach (var family in families) fits &= Used(family) + LinesOf(family) <= maxSeries;
        if (!fits)
        {
            foreach (var family in families) onOverflow?.Invoke(family);
            return false;
        }
        foreach (var family in families) Take(family);
        return true;
    }

    /// <summary>Takes room for a child that is created whatever the cap (the <c>__other__</c> series that folded ones go to).</summary>
    public void Take(string family) => _used[family] = Used(family) + LinesOf(family);

    /// <summary>Gives back the room of a removed child.</summary>
    public void Release(string family) => _used[family] = Math.Max(0, Used(family) - LinesOf(family));

    public int Used(string family) => _used.GetValueOrDefault(family);

    private int LinesOf(string family) => _linesPerChild.GetValueOrDefault(family, 1);
}
