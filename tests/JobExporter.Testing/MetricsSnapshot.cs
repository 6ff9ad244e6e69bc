using System.Globalization;
using System.Text;

namespace JobExporter.Testing;

/// <summary>One scrape of a Prometheus text-format page, parsed into series for assertions.</summary>
public sealed class MetricsSnapshot
{
    public sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    private MetricsSnapshot(string text, List<Series> series)
    {
        Text = text;
        All = series;
    }

    public string Text { get; }
    public IReadOnlyList<Series> All { get; }

    public static MetricsSnapshot Parse(string text)
    {
        var series = new List<Series>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            series.Add(ParseLine(line));
        }
        return new MetricsSnapshot(text, series);
    }

    /// <summary>Series of a metric whose labels include all the given ones.</summary>
    public IEnumerable<Series> Find(string name, params (string Label, string Value)[] labels) =>
        All.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value));

    /// <summary>The sum over the matching series, or null when none matches.</summary>
    public double? Value(string name, params (string Label, string Value)[] labels)
    {
        var matches = Find(name, labels).ToList();
        return matches.Count == 0 ? null : matches.Sum(s => s.Value);
    }

    public bool Has(string name, params (string Label, string Value)[] labels) => Find(name, labels).Any();

    private static Series ParseLine(string line)
    {
        var labels = new Dictionary<string, string>();
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        var name = line[..i];
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var label = line[i..eq];
                i = eq + 2; // past ="
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', _ => line[i] });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                    i++;
                }
                labels[label] = value.ToString();
                i++; // past closing quote
                if (line[i] == ',') i++;
            }
            i++; // past }
        }
        var rest = line[i..].Trim().Split(' ');
        var number = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var s => double.Parse(s, CultureInfo.InvariantCulture),
        };
        return new Series(name, labels, number);
    }
}
