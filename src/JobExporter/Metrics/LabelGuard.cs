using System.Text;

namespace JobExporter.Metrics;

/// <summary>
/// Keeps label values safe and few. Values are cut to a maximum length and control characters replaced;
/// each label takes at most a fixed number of distinct values, and the rest are folded into
/// <c>__other__</c> and counted. The cap is per label across all job metrics, not per metric, so that a
/// job folded in one counter is folded in all of them and ratios between counters stay right.
/// Not thread-safe: callers hold the applier's lock.
/// </summary>
internal sealed class LabelGuard(int maxValues, int maxLength, Action<string>? onOverflow = null)
{
    public const string Other = "__other__";
    public const string Unknown = "unknown";

    private readonly Dictionary<string, HashSet<string>> _known = new(StringComparer.Ordinal);

    /// <summary>The value to export for <paramref name="raw"/> under <paramref name="label"/>.</summary>
    public string Value(string label, string? raw)
    {
        if (string.IsNullOrEmpty(raw)) raw = Unknown;
        var known = KnownValues(label);
        if (known.TryGetValue(raw, out var existing)) return existing;
        var clean = Sanitise(raw, maxLength);
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
