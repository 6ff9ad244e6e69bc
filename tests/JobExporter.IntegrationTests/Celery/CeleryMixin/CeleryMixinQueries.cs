using System.Text.Json;
using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Celery.CeleryMixin;

/// <summary>
/// celery-mixin's alert expressions, dashboard targets and dashboard variables, as rendered from its jsonnet
/// (<c>celery-mixin-queries.json</c> beside this file says from which commit), with Grafana's variables filled in.
/// </summary>
internal sealed partial class CeleryMixinQueries
{
    public sealed record Query(string What, string Expr);
    public sealed record Variable(string Dashboard, string Name, string Selector, string Label, bool Multi);

    public required IReadOnlyList<Query> Alerts { get; init; }
    public required IReadOnlyList<Query> DashboardTargets { get; init; }
    public required IReadOnlyList<Variable> Variables { get; init; }

    public static CeleryMixinQueries Load()
    {
        var path = Path.Combine(RepositoryPaths.Root, "tests", "JobExporter.IntegrationTests", "Celery", "CeleryMixin", "celery-mixin-queries.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        return new CeleryMixinQueries
        {
            Alerts = [.. root.GetProperty("alerts").EnumerateArray().Select(a => new Query(a.GetProperty("alert").GetString()!, a.GetProperty("expr").GetString()!))],
            DashboardTargets = [.. root.GetProperty("dashboardTargets").EnumerateArray().Select(t => new Query(
                $"{t.GetProperty("dashboard").GetString()} / {t.GetProperty("panel").GetString()}", t.GetProperty("expr").GetString()!))],
            Variables = [.. root.GetProperty("variables").EnumerateArray().Select(v =>
            {
                var query = v.GetProperty("query").GetString()!;
                var parts = LabelValues().Match(query);
                if (!parts.Success) throw new FormatException($"Not a label_values() query: {query}");
                return new Variable(v.GetProperty("dashboard").GetString()!, v.GetProperty("name").GetString()!, parts.Groups[1].Value,
                    parts.Groups[2].Value, v.GetProperty("multi").GetBoolean());
            })],
        };
    }

    /// <summary>
    /// Replaces <c>$name</c> by its value, longest names first (<c>$queue_name</c> before a shorter one), as Grafana
    /// interpolates a query; the values are given already formatted (a regex for multi-value variables).
    /// </summary>
    public static string Fill(string expr, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (name, value) in values.OrderByDescending(v => v.Key.Length)) expr = expr.Replace("$" + name, value, StringComparison.Ordinal);
        return expr;
    }

    /// <summary>
    /// Grafana's formatting of a multi-value variable for Prometheus: each value regex-escaped, joined by |; the escaping
    /// backslash doubled, as it stands inside a PromQL string.
    /// </summary>
    public static string MultiValue(IEnumerable<string> values) =>
        "(" + string.Join("|", values.Select(v => Regex.Escape(v).Replace("\\", "\\\\", StringComparison.Ordinal))) + ")";

    [GeneratedRegex(@"^label_values\((.*),\s*(\w+)\)$", RegexOptions.Singleline)]
    private static partial Regex LabelValues();
}
