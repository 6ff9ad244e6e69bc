using System.Text.Json.Nodes;
using JobExporter.Testing;
using NUnit.Framework;
using YamlDotNet.RepresentationModel;

namespace JobExporter.Mixin.Tests;

/// <summary>
/// The mixin as the monitoring-mixins ecosystem uses it: the plain jsonnet CLI (Debian's jsonnet), no .NET.
/// Its output holds the same rules and dashboards as the committed files the .NET renderer writes
/// (those only differ in layout: literal blocks, key order, two-space JSON).
/// </summary>
public sealed class PlainJsonnetTests
{
    private const string Jsonnet = "/usr/bin/jsonnet";

    [TestCase("prometheusAlerts", "prometheus_alerts.yaml")]
    [TestCase("prometheusRules", "prometheus_rules.yaml")]
    public async Task The_jsonnet_cli_renders_the_same_rules(string field, string file)
    {
        var result = await RunJsonnetAsync("-S", "-e", $"std.manifestYamlDoc((import 'mixin.libsonnet').{field})");

        Assert.That(result.ExitCode, Is.Zero, result.Output);
        Assert.That(JsonNode.DeepEquals(FromYaml(result.Output), FromYaml(File.ReadAllText(Mixin.File(file)))), Is.True,
            $"jsonnet's {field} differs from {file}");
    }

    [Test]
    public async Task The_jsonnet_cli_renders_the_same_dashboards()
    {
        using var output = new TempFolder("jsonnet-cli");

        var result = await RunJsonnetAsync("-m", output.Path, "-e", "(import 'mixin.libsonnet').grafanaDashboards");

        Assert.That(result.ExitCode, Is.Zero, result.Output);
        var committed = Directory.GetFiles(Mixin.File("dashboards_out"), "*.json").Select(Path.GetFileName).Order().ToList();
        Assert.That(Directory.GetFiles(output.Path).Select(Path.GetFileName).Order(), Is.EqualTo(committed));
        foreach (var name in committed)
        {
            var plain = JsonNode.Parse(File.ReadAllText(Path.Combine(output.Path, name!)));
            var rendered = JsonNode.Parse(File.ReadAllText(Mixin.File("dashboards_out/" + name)));
            Assert.That(JsonNode.DeepEquals(plain, rendered), Is.True, $"jsonnet's {name} differs from dashboards_out/{name}");
        }
    }

    [Test]
    public void The_mixin_declares_itself_to_jsonnet_bundler()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Mixin.File("jsonnetfile.json")))!;

        Assert.That(manifest["version"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(manifest["dependencies"]!.AsArray(), Is.Empty, "the mixin needs no library: plain jsonnet renders it");
    }

    // As the ecosystem's Makefiles call it: -J vendor (jsonnet-bundler's folder) and the mixin's own folder.
    private static Task<ProcessRunner.Result> RunJsonnetAsync(params string[] args)
    {
        if (!File.Exists(Jsonnet)) Assert.Fail("jsonnet is not installed: run `make deps` (apt-get install jsonnet).");
        return ProcessRunner.RunAsync(Jsonnet, ["-J", Mixin.File("vendor"), "-J", Mixin.Folder, .. args], timeout: TimeSpan.FromMinutes(2));
    }

    // YAML to JSON, every scalar as a string, so that quoting and layout do not matter.
    private static JsonNode? FromYaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType}"),
    };
}
