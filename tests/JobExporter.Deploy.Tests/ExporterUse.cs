using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>
/// One place that starts the exporter: a Kubernetes container, a compose service, the Dockerfile or the `make run`
/// script; with the arguments, environment, ports and probes it gives the exporter there.
/// </summary>
internal sealed partial record ExporterUse(string Where, IReadOnlyList<string> Args, IReadOnlyDictionary<string, object?> Env,
    IReadOnlyList<int> Ports, IReadOnlyList<ExporterUse.Probe> Probes)
{
    public const string ImageRepository = "ghcr.io/jobexporter/jobexporter";

    internal sealed record Probe(string Kind, string Path, int Port);

    /// <summary>The value of a flag from the arguments (<c>--flag=value</c> or <c>--flag value</c>), else from its variable.</summary>
    public string? Setting(string flag, string variable)
    {
        for (var i = 0; i < Args.Count; i++)
        {
            if (Args[i].StartsWith($"--{flag}=", StringComparison.Ordinal)) return Args[i][(flag.Length + 3)..];
            if (Args[i] == $"--{flag}" && i + 1 < Args.Count) return Args[i + 1];
        }
        return Env.TryGetValue(variable, out var value) ? value as string : null;
    }

    /// <summary>The flag names given on the command line (without the dashes and the value).</summary>
    public IEnumerable<string> FlagNames() => Args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a[2..].Split('=')[0]);

    public static IEnumerable<ExporterUse> All() => Kubernetes().Concat(Compose()).Append(Dockerfile()).Append(RunDemoScript());

    public static bool IsExporterImage(string? image) => image is not null && image.StartsWith(ImageRepository + ":", StringComparison.Ordinal);

    public static IEnumerable<ExporterUse> Kubernetes()
    {
        foreach (var file in DeployFiles.KubernetesManifests())
        {
            foreach (var document in DeployFiles.Documents(file))
            {
                foreach (var container in DeployFiles.Maps(document).Where(m => IsExporterImage(DeployFiles.Str(m.GetValueOrDefault("image")))))
                {
                    var ports = DeployFiles.List(container.GetValueOrDefault("ports")).Select(DeployFiles.Map).OfType<Dictionary<object, object?>>()
                        .ToDictionary(p => DeployFiles.Str(p.GetValueOrDefault("name")) ?? "", p => int.Parse(DeployFiles.Str(p["containerPort"])!));
                    var env = DeployFiles.List(container.GetValueOrDefault("env")).Select(DeployFiles.Map).OfType<Dictionary<object, object?>>()
                        .ToDictionary(e => DeployFiles.Str(e["name"])!, e => e.GetValueOrDefault("value") ?? e.GetValueOrDefault("valueFrom"));
                    var args = DeployFiles.List(container.GetValueOrDefault("command")).Concat(DeployFiles.List(container.GetValueOrDefault("args")))
                        .Select(a => DeployFiles.Str(a)!).ToList();
                    var probes = new List<Probe>();
                    foreach (var kind in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
                    {
                        if (DeployFiles.At(container, kind, "httpGet") is not Dictionary<object, object?> get) continue;
                        var port = DeployFiles.Str(get["port"])!;
                        probes.Add(new Probe(kind, DeployFiles.Str(get["path"])!, int.TryParse(port, out var n) ? n : ports.GetValueOrDefault(port, -1)));
                    }
                    yield return new ExporterUse($"{DeployFiles.Relative(file)} container {container["name"]}", args, env, ports.Values.ToList(), probes);
                }
            }
        }
    }

    public static IEnumerable<ExporterUse> Compose()
    {
        var compose = DeployFiles.Documents(DeployFiles.Compose).Single();
        foreach (var (name, node) in DeployFiles.Map(DeployFiles.At(compose, "services"))!)
        {
            if (!IsExporterImage(DeployFiles.Str(DeployFiles.At(node, "image")))) continue;
            var env = DeployFiles.Map(DeployFiles.At(node, "environment"))?.ToDictionary(e => (string)e.Key, e => e.Value) ?? [];
            var ports = DeployFiles.List(DeployFiles.At(node, "ports")).Select(p => int.Parse(DeployFiles.Str(p)!.Split(':').Last())).ToList();
            var args = DeployFiles.List(DeployFiles.At(node, "command")).Select(a => DeployFiles.Str(a)!).ToList();
            yield return new ExporterUse($"deploy/compose/compose.yaml service {name}", args, env, ports, []);
        }
    }

    public static ExporterUse Dockerfile()
    {
        var text = File.ReadAllText(Path.Combine(DeployFiles.Root, "Dockerfile"));
        var runtime = text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
        var env = DockerEnv().Matches(runtime).ToDictionary(m => m.Groups[1].Value, m => (object?)m.Groups[2].Value);
        var ports = DockerExpose().Matches(runtime).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        // The health check is the exporter's own healthcheck mode: it probes the port the image listens on.
        var health = DockerHealthcheck().Match(runtime);
        var listen = env.GetValueOrDefault("JOBEXPORTER_WEB_LISTEN_ADDRESS") as string ?? ":9821";
        var probes = health.Success
            ? new List<Probe> { new("HEALTHCHECK", health.Groups[1].Success ? "/readyz" : "/healthz", int.Parse(listen[(listen.LastIndexOf(':') + 1)..])) }
            : [];
        var entry = DockerEntrypoint().Match(runtime);
        var args = entry.Success ? JsonArray(entry.Groups[1].Value).Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToList() : [];
        return new ExporterUse("deploy/Dockerfile", args, env, ports, probes);
    }

    /// <summary>The exporter's command line in scripts/run-demo.sh (its port is a variable there).</summary>
    public static ExporterUse RunDemoScript()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "scripts", "run-demo.sh"));
        var start = text.IndexOf("dotnet \"$exporter_dll\"", StringComparison.Ordinal);
        if (start < 0) throw new InvalidOperationException("scripts/run-demo.sh no longer starts the exporter with dotnet \"$exporter_dll\".");
        var command = text[start..text.IndexOf('&', start)].Replace("\\\n", " ");
        var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(a => a.Trim('"')).ToList();
        return new ExporterUse("scripts/run-demo.sh", args, new Dictionary<string, object?>(), [], []);
    }

    private static IEnumerable<string> JsonArray(string json) => System.Text.Json.JsonSerializer.Deserialize<string[]>(json)!;

    [GeneratedRegex(@"(JOBEXPORTER_[A-Z0-9_]+)=(\S+)")]
    private static partial Regex DockerEnv();

    [GeneratedRegex(@"^EXPOSE (\d+)", RegexOptions.Multiline)]
    private static partial Regex DockerExpose();

    [GeneratedRegex(@"^HEALTHCHECK .*?CMD \[""/app/JobExporter"", ""healthcheck""(, ""--ready"")?\]", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex DockerHealthcheck();

    [GeneratedRegex(@"^ENTRYPOINT (\[.*\])", RegexOptions.Multiline)]
    private static partial Regex DockerEntrypoint();
}
