using JobExporter.Testing;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace JobExporter.Deploy.Tests;

/// <summary>The files under deploy/, read as text or as YAML documents (plain dictionaries, lists and strings).</summary>
internal static class DeployFiles
{
    public static string Root => Path.Combine(RepositoryPaths.Root, "deploy");

    public static string Relative(string path) => Path.GetRelativePath(RepositoryPaths.Root, path);

    public static IEnumerable<string> All() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    public static IEnumerable<string> Yaml() => All().Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal));

    /// <summary>Prometheus configurations: YAML files with scrape_configs.</summary>
    public static IEnumerable<string> PrometheusConfigs() => Yaml().Where(f => Documents(f).Any(d => Map(d)?.ContainsKey("scrape_configs") == true));

    /// <summary>Alertmanager configurations: YAML files with a route and receivers.</summary>
    public static IEnumerable<string> AlertmanagerConfigs() =>
        Yaml().Where(f => Documents(f).Any(d => Map(d) is { } m && m.ContainsKey("route") && m.ContainsKey("receivers")));

    public static IEnumerable<string> KubernetesManifests() => Yaml().Where(f => f.Contains($"{Path.DirectorySeparatorChar}kubernetes{Path.DirectorySeparatorChar}"));

    public static string Compose => Path.Combine(Root, "compose", "compose.yaml");

    public static IEnumerable<string> Dockerfiles() => All().Where(f => Path.GetFileName(f) is var n && (n == "Dockerfile" || n.EndsWith(".Dockerfile", StringComparison.Ordinal)));

    /// <summary>Every YAML document of a file (a multi-document file has several), parsed; throws on invalid YAML.</summary>
    public static List<object?> Documents(string path)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(File.ReadAllText(path)));
        parser.Consume<StreamStart>();
        var documents = new List<object?>();
        while (parser.Accept<DocumentStart>(out _)) documents.Add(deserializer.Deserialize<object?>(parser));
        return documents;
    }

    public static Dictionary<object, object?>? Map(object? node) => node as Dictionary<object, object?>;

    public static List<object?> List(object? node) => node as List<object?> ?? [];

    public static string? Str(object? node) => node as string;

    /// <summary>The value at a path of keys, or null.</summary>
    public static object? At(object? node, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (Map(node) is not { } map || !map.TryGetValue(key, out node)) return null;
        }
        return node;
    }

    /// <summary>Every dictionary anywhere in the node, depth first.</summary>
    public static IEnumerable<Dictionary<object, object?>> Maps(object? node)
    {
        if (Map(node) is { } map)
        {
            yield return map;
            foreach (var child in map.Values) foreach (var m in Maps(child)) yield return m;
        }
        else if (node is List<object?> list)
        {
            foreach (var child in list) foreach (var m in Maps(child)) yield return m;
        }
    }
}
