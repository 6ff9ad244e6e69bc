using System.Text;

namespace JobExporter.Metrics;

/// <summary>
/// Keeps label values safe and few. Values are cut to a maximum length and control characters replaced;
/// each label takes at most a fixed number of distinct values, and the rest are folded into
/// <c>__other__</c> and counted. The cap is per label across all job metrics, not per metric, so that a
/// job folded in one counter is folded in all of them and ratios between counters stay right.
/// <para>
/// <c>__other__</c> and <c>unknown</c> are the exporter's own words (a folded value, a missing one), so an event cannot
/// claim them: such a value is renamed by wrapping it in underscores (<c>_unknown_</c>, <c>___other___</c>) and counted
/// by <c>onRenamed</c>. Renamed rather than rejected: the event is good, only its label would lie.
/// </para>
/// Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class LabelGuard(int maxValues, int maxLength, Action<string>? onOverflow = null, Action<string>? onRenamed = null)
{
    public const string Other = "__other__";
    public const string Unknown = "unknown";

    private readonly Dictionary<string, HashSet<string>> _known = new(StringComparer.Ordinal);

    /// <summary>The value to export for <paramref name="raw"/> under <paramref name="label"/>.</summary>
    public string Value(string label, string? raw)
    {
        var missing = string.IsNullOrEmpty(raw);
        var value = missing ? Unknown : raw!;
        var known = KnownValues(label);
        // A reserved value from an event must not find the exporter's own under that name.
        if ((missing || !IsReserved(value)) && known.TryGetValue(value, out var existing)) return existing;
        var clean = Sanitise(value, maxLength);
        if (!missing && IsReserved(clean))
        {
            onRenamed?.Invoke(label);
            clean = Sanitise("_" + clean + "_", maxLength);
        }
        if (known.TryGetValue(clean, out existing)) return existing;
        if (known.Count >= maxValues)
        {
            onOverflow?.Invoke(label);
            return Other;
        }
        known.Add(clean);
        return clean;
    }

    /// <summary>Frees a value's place, when every series carrying it has been removed.</summary>
    public void Release(string label, string value) => KnownValues(label).Remove(value);

    public int Count(string label) => KnownValues(label).Count;

    /// <summary>A value the exporter writes itself, which no event may bring.</summary>
    public static bool IsReserved(string value) => value is Other or Unknown;

    private HashSet<string> KnownValues(string label)
    {
        if (!_known.TryGetValue(label, out var set))
        {
            _known[label] = set = new HashSet<string>(StringComparer.Ordinal);
        }
        return set;
    }

    /// <summary>Cuts to <paramref name="maxLength"/> characters and replaces control characters and lone surrogates with '_'.</summary>
    public static string Sanitise(string raw, int maxLength)
    {
        var needsWork = raw.Length > maxLength;
        foreach (var c in raw)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                needsWork = true;
                break;
            }
        }
        if (!needsWork) return raw;
        var text = new StringBuilder(Math.Min(raw.Length, maxLength));
        for (var i = 0; i < raw.Length && text.Length < maxLength; i++)
        {
            var c = raw[i];
            if (char.IsHighSurrogate(c) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1]))
            {
                if (text.Length + 2 > maxLength) break;
                text.Append(c).Append(raw[++i]);
            }
            else
            {
                text.Append(char.IsControl(c) || char.IsSurrogate(c) ? '_' : c);
            }
        }
        return text.ToString();
    }
}
