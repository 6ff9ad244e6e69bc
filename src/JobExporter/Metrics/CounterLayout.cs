using System.Text;
using Prometheus;

namespace JobExporter.Metrics;

/// <summary>
/// What every line of a counter family is made of, in UTF-8: its declaration (<c># HELP</c> and <c># TYPE</c>), its name,
/// the <c>,label="</c> before each label value and the static labels after them. The declaration and the static labels
/// are cut from a page prometheus-net renders once for a one-series probe of the family, so that help escaping and
/// the static labels' order are exactly its own.
/// </summary>
internal sealed class CounterLayout
{
    private CounterLayout(byte[] declaration, byte[] name, byte[][] labelPrefixes, byte[] staticLabels)
    {
        Declaration = declaration;
        Name = name;
        LabelPrefixes = labelPrefixes;
        StaticLabels = staticLabels;
    }

    public byte[] Declaration { get; }
    public byte[] Name { get; }

    /// <summary><c>label="</c> for the first label, <c>,label="</c> for the others.</summary>
    public byte[][] LabelPrefixes { get; }

    /// <summary><c>,stream="…"</c> and the other static labels, ready to follow the last label value; empty when none.</summary>
    public byte[] StaticLabels { get; }

    public static CounterLayout Of(string name, string help, string[] labelNames, IReadOnlyDictionary<string, string> staticLabels)
    {
        if (labelNames.Length == 0) throw new ArgumentException("A compact family has labels: one without is a single prometheus-net counter.", nameof(labelNames));
        var probe = Prometheus.Metrics.NewCustomRegistry();
        var counter = Prometheus.Metrics.WithCustomRegistry(probe).WithLabels(staticLabels.ToDictionary()).CreateCounter(name, help);
        counter.Inc(0);
        using var text = new MemoryStream();
        probe.CollectAndExportAsTextAsync(text).GetAwaiter().GetResult();
        var page = Encoding.UTF8.GetString(text.ToArray());
        // "# HELP …\n# TYPE …\n" then the probe's line: "name{static} 0\n", or "name 0\n" without static labels.
        var sample = page.IndexOf("\n" + name, page.IndexOf("\n# TYPE ", StringComparison.Ordinal) + 1, StringComparison.Ordinal) + 1;
        var declaration = page[..sample];
        var line = page[sample..];
        var statics = line[name.Length] == '{' ? "," + line[(name.Length + 1)..line.LastIndexOf("} ", StringComparison.Ordinal)] : "";
        var prefixes = labelNames.Select((label, i) => Encoding.UTF8.GetBytes((i == 0 ? "" : ",") + label + "=\"")).ToArray();
        return new CounterLayout(Encoding.UTF8.GetBytes(declaration), Encoding.UTF8.GetBytes(name), prefixes, Encoding.UTF8.GetBytes(statics));
    }
}
