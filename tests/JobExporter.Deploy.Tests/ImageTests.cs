using System.Text.RegularExpressions;
using System.Xml.Linq;
using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>The Dockerfiles build what the repository holds, and every manifest runs the images they build.</summary>
public sealed partial class ImageTests
{
    private static string Version =>
        XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;

    private static string TargetFramework =>
        XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")).Descendants("TargetFramework").Single().Value;

    public static IEnumerable<TestCaseData> Dockerfiles() =>
        DeployFiles.Dockerfiles().Select(f => new TestCaseData(f).SetArgDisplayNames(DeployFiles.Relative(f)));

    [Test]
    public void Every_image_of_ours_is_named_with_the_version_the_projects_build()
    {
        var ours = DeployFiles.Yaml().SelectMany(f => DeployFiles.Documents(f).SelectMany(DeployFiles.Maps)
                .Select(m => DeployFiles.Str(m.GetValueOrDefault("image"))).OfType<string>()
                .Where(i => i.StartsWith("ghcr.io/jobexporter/", StringComparison.Ordinal)).Select(i => (File: DeployFiles.Relative(f), Image: i)))
            .ToList();
        Assert.That(ours.Select(o => o.File).Distinct(), Is.SupersetOf(new[] { "deploy/compose/compose.yaml", "deploy/kubernetes/sidecar/deployment.yaml", "deploy/kubernetes/central/deployment.yaml" }));
        Assert.Multiple(() =>
        {
            foreach (var (file, image) in ours)
            {
                Assert.That(image, Is.AnyOf($"{ExporterUse.ImageRepository}:{Version}", $"{ExporterUse.ImageRepository}-demo:{Version}"), file);
            }
        });
    }

    [TestCaseSource(nameof(Dockerfiles))]
    public void Dockerfile_builds_on_the_dotnet_version_the_projects_target(string dockerfile)
    {
        var version = TargetFramework.Replace("net", "");
        var froms = From().Matches(File.ReadAllText(dockerfile)).Select(m => m.Groups[1].Value).ToList();
        Assert.That(froms, Has.Count.EqualTo(2), "a build stage and a runtime stage");
        Assert.That(froms[0], Is.EqualTo($"mcr.microsoft.com/dotnet/sdk:{version}"));
        Assert.That(froms[1], Does.Match($@"^mcr\.microsoft\.com/dotnet/(aspnet|runtime|runtime-deps):{Regex.Escape(version)}$"));
    }

    [TestCaseSource(nameof(Dockerfiles))]
    public void Dockerfile_copies_every_project_its_program_needs_and_runs_its_assembly(string dockerfile)
    {
        var text = File.ReadAllText(dockerfile);
        var copied = Copy().Matches(text).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).ToList();
        Assert.Multiple(() =>
        {
            foreach (var source in copied)
            {
                var path = Path.Combine(RepositoryPaths.Root, source);
                Assert.That(File.Exists(path) || Directory.Exists(path), $"COPY {source}: no such file in the repository");
            }
        });
        var published = Publish().Match(text).Groups[1].Value;
        Assert.That(published, Is.Not.Empty, "dotnet publish <project>");
        var needed = ProjectClosure(Path.Combine(RepositoryPaths.Root, published)).Select(p => Path.GetRelativePath(RepositoryPaths.Root, p).Replace('\\', '/')).ToList();
        Assert.That(copied, Is.SupersetOf(needed), "each project file is copied before the restore");
        Assert.That(copied, Is.SupersetOf(needed.Select(p => Path.GetDirectoryName(p)!.Replace('\\', '/') + "/")), "each project folder is copied before the publish");
        var assembly = AssemblyName(Path.Combine(RepositoryPaths.Root, published));
        // Published with NativeAOT it is a native executable on runtime-deps; otherwise an assembly the dotnet host runs.
        var native = text.Contains("-p:PublishAot=true", StringComparison.Ordinal);
        Assert.That(text, Does.Contain(native ? $"ENTRYPOINT [\"/app/{assembly}\"]" : $"ENTRYPOINT [\"dotnet\", \"/app/{assembly}.dll\"]"));
        if (native)
        {
            Assert.That(From().Matches(text).Last().Groups[1].Value, Does.StartWith("mcr.microsoft.com/dotnet/runtime-deps:"));
            Assert.That(text, Does.Match(@"apt-get install[^\n]* clang[^\n]* lld"), "the AOT compiler links with clang and lld");
        }
    }

    [TestCaseSource(nameof(Dockerfiles))]
    public void Dockerfile_runs_as_a_user_that_is_not_root(string dockerfile)
    {
        var runtime = File.ReadAllText(dockerfile).Split("\nFROM ").Last();
        var user = Regex.Match(runtime, @"^USER (\S+)", RegexOptions.Multiline);
        Assert.That(user.Success, "USER in the runtime stage");
        Assert.That(user.Groups[1].Value, Is.Not.AnyOf("root", "0"));
    }

    [Test]
    public void The_exporter_image_has_a_healthcheck_and_exposes_its_port()
    {
        var use = ExporterUse.Dockerfile();
        Assert.That(use.Probes, Has.Count.EqualTo(1));
        Assert.That(use.Ports, Is.EqualTo(new[] { use.Probes[0].Port }));
        Assert.That(use.Env["JOBEXPORTER_WEB_LISTEN_ADDRESS"], Is.EqualTo($":{use.Ports[0]}"));
    }

    [Test]
    public async Task The_mode_the_images_healthcheck_runs_is_one_the_exporters_help_describes()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "Dockerfile"));
        var mode = HealthcheckMode().Match(dockerfile);
        Assert.That(mode.Success, "HEALTHCHECK ... CMD [\"/app/JobExporter\", \"<mode>\", ...] in deploy/Dockerfile");
        var help = await ExporterHelp.GetAsync();
        Assert.That(help.Text, Does.Contain($"jobexporter {mode.Groups[1].Value} "), "--help names the mode, so a user can look it up");
    }

    [Test]
    public void Compose_builds_and_mounts_files_that_exist()
    {
        var compose = DeployFiles.Documents(DeployFiles.Compose).Single();
        var folder = Path.GetDirectoryName(DeployFiles.Compose)!;
        var services = DeployFiles.Map(DeployFiles.At(compose, "services"))!;
        Assert.That(services.Keys, Is.SupersetOf(new[] { "rabbitmq", "jobexporter", "hangfire-worker", "masstransit-worker", "prometheus", "alertmanager", "grafana" }));
        Assert.Multiple(() =>
        {
            foreach (var (name, service) in services)
            {
                if (DeployFiles.At(service, "build") is { } build)
                {
                    var context = Path.GetFullPath(Path.Combine(folder, DeployFiles.Str(DeployFiles.At(build, "context"))!));
                    Assert.That(File.Exists(Path.Combine(context, DeployFiles.Str(DeployFiles.At(build, "dockerfile"))!)), $"{name}: dockerfile");
                }
                foreach (var volume in DeployFiles.List(DeployFiles.At(service, "volumes")).Select(v => DeployFiles.Str(v)!))
                {
                    var source = volume.Split(':')[0];
                    if (!source.StartsWith('.')) continue;
                    var path = Path.GetFullPath(Path.Combine(folder, source));
                    Assert.That(File.Exists(path) || Directory.Exists(path), $"{name}: volume {volume}");
                }
            }
        });
        // Grafana loads the dashboards from where compose mounts them.
        var provider = DeployFiles.Documents(Path.Combine(folder, "grafana", "provisioning", "dashboards", "jobexporter.yaml")).Single();
        var path = DeployFiles.Str(DeployFiles.At(DeployFiles.List(DeployFiles.At(provider, "providers")).Single(), "options", "path"));
        Assert.That(DeployFiles.List(DeployFiles.At(services["grafana"], "volumes")).Select(DeployFiles.Str), Has.Some.EndWith($":{path}:ro"));
        Assert.That(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "mixin", "dashboards_out"), "*.json"), Is.Not.Empty);
    }

    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new List<string>();
        var todo = new Stack<string>([Path.GetFullPath(project)]);
        while (todo.TryPop(out var next))
        {
            if (seen.Contains(next)) continue;
            seen.Add(next);
            foreach (var reference in XDocument.Load(next).Descendants("ProjectReference"))
            {
                todo.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
            }
        }
        return seen;
    }

    private static string AssemblyName(string project) =>
        XDocument.Load(project).Descendants("AssemblyName").FirstOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(project);

    [GeneratedRegex(@"^FROM (\S+)", RegexOptions.Multiline)]
    private static partial Regex From();

    [GeneratedRegex(@"^COPY (?!--from)(.+)$", RegexOptions.Multiline)]
    private static partial Regex Copy();

    [GeneratedRegex(@"dotnet publish (\S+\.csproj)")]
    private static partial Regex Publish();

    [GeneratedRegex(@"^HEALTHCHECK .*?CMD \[""/app/JobExporter"", ""([a-z]+)""", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex HealthcheckMode();
}
