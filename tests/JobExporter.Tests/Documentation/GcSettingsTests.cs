using System.Xml.Linq;
using JobExporter.Testing;

namespace JobExporter.Tests.Documentation;

/// <summary>
/// The gen0 budget cap is written once, in JobExporter.csproj: the NativeAOT build compiles it in, and the JIT build gets
/// it from the environment, which docs/deploying.md tells users to set and `make run` sets from the project.
/// </summary>
public class GcSettingsTests
{
    private static readonly string ProjectPath = Path.Combine(RepositoryPaths.Root, "src", "JobExporter", "JobExporter.csproj");
    private static readonly XDocument Project = XDocument.Load(ProjectPath);

    private static string Gen0MaxBudget => Project.Descendants("Gen0MaxBudget").Single().Value.Trim();

    [Test]
    public void The_native_build_compiles_in_the_gen0_budget_of_the_project()
    {
        Assert.That(Convert.ToInt64(Gen0MaxBudget, 16), Is.InRange(256 * 1024, 64 * 1024 * 1024), "hex bytes, as the runtime reads it");
        var ilcArgs = Project.Descendants("IlcArg").Select(a => (string?)a.Attribute("Include")).ToList();
        Assert.That(ilcArgs, Does.Contain("--runtimeopt:GCGen0MaxBudget=$(Gen0MaxBudget)"));
    }

    [Test]
    public void The_deploying_page_gives_the_JIT_build_the_same_gen0_budget_and_make_run_reads_it_from_the_project()
    {
        Assert.That(DocPages.Read("deploying"), Does.Contain($"`DOTNET_GCGen0MaxBudget={Gen0MaxBudget}`"));
        var runDemo = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "scripts", "run-demo.sh"));
        Assert.That(runDemo, Does.Contain("<Gen0MaxBudget>").And.Contain("DOTNET_GCGen0MaxBudget="));
    }
}
