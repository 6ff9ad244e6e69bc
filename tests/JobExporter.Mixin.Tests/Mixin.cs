using System.Text.Json;
using JobExporter.Jsonnet;
using JobExporter.Testing;

namespace JobExporter.Mixin.Tests;

/// <summary>The mixin as the tests see it: its folder, and its outputs evaluated as JSON through the binding.</summary>
internal static class Mixin
{
    public static string Folder { get; } = Path.Combine(RepositoryPaths.Root, "mixin");

    public static string File(string name) => Path.Combine(Folder, name);

    /// <summary>Evaluates lib/&lt;entry&gt;.jsonnet, with an optional _config override (jsonnet object).</summary>
    public static JsonDocument Evaluate(string entry, string? config = null)
    {
        using var vm = new JsonnetVm();
        if (config is not null) vm.SetTlaCode("config", config);
        return JsonDocument.Parse(vm.EvaluateFile(File($"lib/{entry}.jsonnet")));
    }

    public static IReadOnlyDictionary<string, JsonDocument> Dashboards(string? config = null)
    {
        using var vm = new JsonnetVm();
        if (config is not null) vm.SetTlaCode("config", config);
        return vm.EvaluateFileMulti(File("lib/dashboards.jsonnet")).ToDictionary(d => d.Key, d => JsonDocument.Parse(d.Value));
    }

    public static IEnumerable<JsonElement> Rules(JsonDocument rules) =>
        rules.RootElement.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray());

    public static IEnumerable<JsonElement> Alerts(string? config = null) => Rules(Evaluate("alerts", config)).ToList();

    public static IEnumerable<JsonElement> RecordingRules(string? config = null) => Rules(Evaluate("rules", config)).ToList();

    /// <summary>Every panel of a dashboard that queries something (rows excluded).</summary>
    public static IEnumerable<JsonElement> Panels(JsonDocument dashboard) =>
        dashboard.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row");

    public static IEnumerable<string> Exprs(JsonElement panel) =>
        panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!);

    public static Task<ProcessRunner.Result> PromtoolAsync(params string[] args)
    {
        const string promtool = "/usr/bin/promtool";
        if (!System.IO.File.Exists(promtool)) NUnit.Framework.Assert.Fail("promtool is not installed: run `make deps` (apt-get install prometheus).");
        // A deadline, not a wait: the scenario suite takes about a minute on a quiet machine.
        return ProcessRunner.RunAsync(promtool, args, timeout: TimeSpan.FromMinutes(10));
    }
}
