using System.Text.Json;
using JobExporter.Jsonnet;

namespace JobExporter.Mixin;

/// <summary>
/// Evaluates the mixin's entry points (lib/*.jsonnet) and turns them into the files that are committed
/// next to it: rule YAML, the PrometheusRule manifest and one JSON file per dashboard.
/// </summary>
public static class MixinRenderer
{
    /// <summary>Output path (relative to the mixin folder, with '/') to file content.</summary>
    /// <param name="mixinFolder">The folder holding mixin.libsonnet and lib/.</param>
    /// <param name="configOverride">Jsonnet object merged into _config, e.g. <c>{ alerts+: { ... } }</c>; null for none.</param>
    /// <param name="rulesOnly">Only prometheus_alerts.yaml and prometheus_rules.yaml (a Prometheus' rule_files).</param>
    public static IReadOnlyDictionary<string, string> Render(string mixinFolder, string? configOverride = null, bool rulesOnly = false)
    {
        var lib = Path.Combine(Path.GetFullPath(mixinFolder), "lib");
        if (!File.Exists(Path.Combine(lib, "alerts.jsonnet")))
        {
            throw new DirectoryNotFoundException($"{mixinFolder} is not a mixin folder: {lib}/alerts.jsonnet is missing.");
        }

        // One VM per entry point keeps each evaluation's arguments apart; VMs are cheap to make.
        string Evaluate(string entry)
        {
            using var vm = NewVm(configOverride);
            return vm.EvaluateFile(Path.Combine(lib, entry));
        }

        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["prometheus_alerts.yaml"] = RuleYaml.FromJson(Evaluate("alerts.jsonnet"), "lib/alerts.jsonnet"),
            ["prometheus_rules.yaml"] = RuleYaml.FromJson(Evaluate("rules.jsonnet"), "lib/rules.jsonnet"),
        };
        if (rulesOnly) return files;
        files["prometheus_rule.yaml"] = RuleYaml.FromJson(Evaluate("prometheus_rule.jsonnet"), "lib/prometheus_rule.jsonnet");
        using (var vm = NewVm(configOverride))
        {
            foreach (var (name, json) in vm.EvaluateFileMulti(Path.Combine(lib, "dashboards.jsonnet")))
            {
                files["dashboards_out/" + name] = IndentJson(json);
            }
        }
        return files;
    }

    /// <summary>Writes the rendered files under <paramref name="outputFolder"/>, replacing stale dashboards.</summary>
    public static void Write(IReadOnlyDictionary<string, string> files, string outputFolder)
    {
        var dashboards = Path.Combine(outputFolder, "dashboards_out");
        if (Directory.Exists(dashboards))
        {
            foreach (var stale in Directory.GetFiles(dashboards, "*.json")) File.Delete(stale);
        }
        foreach (var (name, content) in files)
        {
            var path = Path.Combine(outputFolder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }
    }

    /// <summary>The rendered files that differ from, or are missing in, <paramref name="outputFolder"/>, plus extra dashboards there.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> files, string outputFolder)
    {
        var differing = files
            .Where(f => !File.Exists(Path.Combine(outputFolder, f.Key)) || File.ReadAllText(Path.Combine(outputFolder, f.Key)) != f.Value)
            .Select(f => f.Key)
            .ToList();
        var dashboards = Path.Combine(outputFolder, "dashboards_out");
        if (Directory.Exists(dashboards))
        {
            differing.AddRange(Directory.GetFiles(dashboards, "*.json")
                .Select(f => "dashboards_out/" + Path.GetFileName(f))
                .Where(f => !files.ContainsKey(f)));
        }
        return differing;
    }

    private static JsonnetVm NewVm(string? configOverride)
    {
        var vm = new JsonnetVm();
        if (configOverride is not null) vm.SetTlaCode("config", configOverride);
        return vm;
    }

    // Two-space JSON, as Grafana exports it, instead of jsonnet's three.
    private static string IndentJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var options = new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, options)) doc.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
