using System.Net;
using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>The flags, variables, ports and paths that deploy/ and `make run` give the exporter are the ones it really accepts.</summary>
public sealed partial class ExporterSettingsTests
{
    private static readonly string[] Uses = ["deploy/Dockerfile", "scripts/run-demo.sh"];

    [Test]
    public void The_exporter_is_configured_in_every_deployment_variant()
    {
        var where = ExporterUse.All().Select(u => u.Where).ToList();
        Assert.That(where, Has.Some.StartsWith("deploy/kubernetes/sidecar/"));
        Assert.That(where, Has.Some.StartsWith("deploy/kubernetes/central/"));
        Assert.That(where, Has.Some.StartsWith("deploy/compose/"));
        Assert.That(where, Is.SupersetOf(Uses));
    }

    [Test]
    public async Task Every_flag_given_to_the_exporter_is_a_flag_it_accepts()
    {
        var help = await ExporterHelp.GetAsync();
        Assert.That(help.Flags, Has.Count.GreaterThan(10), help.Text);
        Assert.Multiple(() =>
        {
            foreach (var use in ExporterUse.All())
            {
                foreach (var flag in use.FlagNames()) Assert.That(help.Flags, Does.Contain(flag), $"{use.Where} passes --{flag}");
            }
        });
    }

    [Test]
    public async Task Every_JOBEXPORTER_variable_in_deploy_and_the_demo_script_is_one_the_exporter_reads()
    {
        var help = await ExporterHelp.GetAsync();
        var files = DeployFiles.All().Append(Path.Combine(RepositoryPaths.Root, "scripts", "run-demo.sh")).ToList();
        var found = 0;
        Assert.Multiple(() =>
        {
            foreach (var file in files)
            {
                foreach (Match m in Variable().Matches(File.ReadAllText(file)))
                {
                    found++;
                    Assert.That(help.EnvironmentVariables, Does.Contain(m.Value), $"{DeployFiles.Relative(file)} names {m.Value}");
                }
            }
        });
        Assert.That(found, Is.GreaterThan(5));
    }

    [Test]
    public async Task Every_exporter_container_exposes_and_probes_the_port_it_listens_on()
    {
        var help = await ExporterHelp.GetAsync();
        Assert.Multiple(() =>
        {
            foreach (var use in ExporterUse.All().Where(u => u.Where != "scripts/run-demo.sh"))
            {
                var address = use.Setting("web.listen-address", "JOBEXPORTER_WEB_LISTEN_ADDRESS") ?? help.DefaultListenAddress;
                var port = int.Parse(address[(address.LastIndexOf(':') + 1)..]);
                Assert.That(use.Ports, Does.Contain(port), $"{use.Where} listens on {address} but exposes {string.Join(", ", use.Ports)}");
                foreach (var probe in use.Probes) Assert.That(probe.Port, Is.EqualTo(port), $"{use.Where} {probe.Kind}");
            }
        });
    }

    [Test]
    public void A_sidecar_never_changes_its_worker_pods_readiness()
    {
        // A pod is Ready only when every container is: a sidecar readiness (or startup) probe would take the worker out
        // of its Services when the exporter is not ready, with /readyz at every broker blip.
        var sidecar = ExporterUse.Kubernetes().Single(u => u.Where.StartsWith("deploy/kubernetes/sidecar/", StringComparison.Ordinal));
        Assert.That(sidecar.Probes.Select(p => p.Kind), Is.EqualTo(new[] { "livenessProbe" }));
        Assert.That(sidecar.Probes.Single().Path, Is.EqualTo("/healthz"));
    }

    [Test]
    public void Services_that_discover_exporters_keep_not_ready_pods_so_their_alerts_can_fire()
    {
        var services = DeployFiles.KubernetesManifests().SelectMany(DeployFiles.Documents).Select(DeployFiles.Map)
            .Where(d => DeployFiles.Str(d?.GetValueOrDefault("kind")) == "Service").ToList();
        Assert.That(services, Has.Count.GreaterThanOrEqualTo(2));
        Assert.Multiple(() =>
        {
            foreach (var service in services)
            {
                Assert.That(DeployFiles.At(service, "spec", "publishNotReadyAddresses"), Is.EqualTo("true"),
                    $"Service {DeployFiles.At(service, "metadata", "name")}");
            }
        });
    }

    [Test]
    public void Liveness_asks_healthz_and_readiness_asks_readyz()
    {
        var probes = ExporterUse.All().SelectMany(u => u.Probes.Select(p => (u.Where, p))).ToList();
        Assert.That(probes.Select(p => p.p.Kind), Is.SupersetOf(new[] { "livenessProbe", "readinessProbe", "HEALTHCHECK" }));
        Assert.Multiple(() =>
        {
            foreach (var (where, probe) in probes)
            {
                // Liveness must not depend on the broker: a broker outage would otherwise restart every exporter.
                var expected = probe.Kind == "readinessProbe" ? "/readyz" : "/healthz";
                Assert.That(probe.Path, Is.EqualTo(expected), $"{where} {probe.Kind}");
            }
        });
    }

    [Test]
    public async Task Every_probe_and_scrape_path_is_served_by_the_exporter()
    {
        var paths = ExporterUse.All().SelectMany(u => u.Probes.Select(p => p.Path)).Concat(ScrapePaths()).Distinct().ToList();
        Assert.That(paths, Is.SupersetOf(new[] { "/healthz", "/readyz", "/metrics" }));
        // No broker listens on port 1: /readyz answers 503, which is an answer.
        await using var exporter = await ExporterProcess.StartAsync(new Uri("amqp://guest:guest@127.0.0.1:1/"));
        foreach (var path in paths)
        {
            var response = await exporter.GetAsync(path.TrimStart('/'));
            Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable), path);
        }
    }

    [Test]
    public async Task Services_and_scrape_targets_reach_the_exporter_port()
    {
        var help = await ExporterHelp.GetAsync();
        var port = int.Parse(help.DefaultListenAddress.TrimStart(':'));
        var targets = new List<(string Where, string Target)>();
        foreach (var file in DeployFiles.PrometheusConfigs())
        {
            foreach (var map in DeployFiles.Documents(file).SelectMany(DeployFiles.Maps))
            {
                foreach (var target in DeployFiles.List(map.GetValueOrDefault("targets")).Select(DeployFiles.Str))
                {
                    if (target!.Contains("jobexporter") || target.EndsWith(":9821")) targets.Add((DeployFiles.Relative(file), target));
                }
                if (map.ContainsKey("names") && map.GetValueOrDefault("port") is string dnsPort) targets.Add((DeployFiles.Relative(file), "dns:" + dnsPort));
            }
        }
        Assert.That(targets, Has.Count.GreaterThanOrEqualTo(3));
        Assert.Multiple(() =>
        {
            foreach (var (where, target) in targets) Assert.That(target, Does.EndWith($":{port}"), where);
            foreach (var file in DeployFiles.KubernetesManifests())
            {
                foreach (var document in DeployFiles.Documents(file).Where(d => DeployFiles.Str(DeployFiles.At(d, "kind")) == "Service"))
                {
                    foreach (var p in DeployFiles.List(DeployFiles.At(document, "spec", "ports")))
                    {
                        Assert.That(DeployFiles.Str(DeployFiles.At(p, "targetPort")), Is.EqualTo("metrics"), DeployFiles.Relative(file));
                        Assert.That(DeployFiles.Str(DeployFiles.At(p, "port")), Is.EqualTo(port.ToString()), DeployFiles.Relative(file));
                    }
                }
            }
        });
    }

    [Test]
    public void The_sidecar_consumes_only_its_own_pods_events_on_its_own_queue()
    {
        var sidecar = ExporterUse.Kubernetes().Single(u => u.Where.StartsWith("deploy/kubernetes/sidecar/", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            // Routing keys are <system>.<type>.<hostname>, and a pod's hostname is its name.
            Assert.That(sidecar.Setting("broker.binding-key", "JOBEXPORTER_BROKER_BINDING_KEY"), Is.EqualTo("*.*.$(POD_NAME)"));
            Assert.That(sidecar.Setting("broker.queue", "JOBEXPORTER_BROKER_QUEUE"), Does.Contain("$(POD_NAME)"));
            Assert.That(DeployFiles.At(sidecar.Env["POD_NAME"], "fieldRef", "fieldPath"), Is.EqualTo("metadata.name"));
        });
    }

    [Test]
    public void The_central_exporter_runs_once_on_one_named_queue()
    {
        var central = ExporterUse.Kubernetes().Single(u => u.Where.StartsWith("deploy/kubernetes/central/", StringComparison.Ordinal));
        Assert.That(central.Setting("broker.binding-key", "JOBEXPORTER_BROKER_BINDING_KEY"), Is.Null, "the central exporter binds every event (#)");
        Assert.That(central.Setting("broker.queue", "JOBEXPORTER_BROKER_QUEUE"), Is.EqualTo("jobexporter.central"));
        var deployment = DeployFiles.Documents(Path.Combine(DeployFiles.Root, "kubernetes", "central", "deployment.yaml")).Single();
        Assert.That(DeployFiles.At(deployment, "spec", "replicas"), Is.EqualTo("1"));
        Assert.That(DeployFiles.At(deployment, "spec", "strategy", "type"), Is.EqualTo("Recreate"));
    }

    [Test]
    public void Broker_credentials_come_from_a_secret_and_never_appear_in_a_manifest()
    {
        var brokerSettings = 0;
        Assert.Multiple(() =>
        {
            foreach (var file in DeployFiles.KubernetesManifests())
            {
                foreach (var env in DeployFiles.Documents(file).SelectMany(DeployFiles.Maps).Where(m => m.ContainsKey("name") && (m.ContainsKey("value") || m.ContainsKey("valueFrom"))))
                {
                    var name = DeployFiles.Str(env["name"])!;
                    Assert.That(DeployFiles.Str(env.GetValueOrDefault("value")) ?? "", Does.Not.Contain("amqp"), $"{DeployFiles.Relative(file)} {name}");
                    if (!name.Contains("BROKER_URL", StringComparison.OrdinalIgnoreCase) && !name.Contains("BrokerUrl", StringComparison.Ordinal)) continue;
                    brokerSettings++;
                    Assert.That(DeployFiles.At(env, "valueFrom", "secretKeyRef", "name"), Is.Not.Null, $"{DeployFiles.Relative(file)} {name}");
                }
            }
            // Compose interpolates the password from the environment; no amqp URL anywhere holds a literal one.
            foreach (var file in DeployFiles.Yaml().Where(f => !f.Contains($"{Path.DirectorySeparatorChar}local{Path.DirectorySeparatorChar}")))
            {
                foreach (var url in DeployFiles.Documents(file).SelectMany(Scalars).Where(s => s.StartsWith("amqp", StringComparison.Ordinal)))
                {
                    Assert.That(url, Does.Match(@"^amqps?://(\$\{[^}]*\}|[^:@/]+):\$\{[A-Z_]+(:-[^}]*)?\}@"), DeployFiles.Relative(file));
                }
            }
        });
        Assert.That(brokerSettings, Is.GreaterThanOrEqualTo(3));
    }

    private static IEnumerable<string> ScrapePaths() =>
        DeployFiles.KubernetesManifests().SelectMany(DeployFiles.Documents).SelectMany(DeployFiles.Maps)
            .Where(m => m.ContainsKey("port") && m.ContainsKey("path") && m.ContainsKey("interval"))
            .Select(m => DeployFiles.Str(m["path"])!);

    private static IEnumerable<string> Scalars(object? node) => node switch
    {
        string s => [s],
        Dictionary<object, object?> map => map.Values.SelectMany(Scalars),
        List<object?> list => list.SelectMany(Scalars),
        _ => [],
    };

    [GeneratedRegex(@"JOBEXPORTER_[A-Z0-9_]+")]
    private static partial Regex Variable();
}
