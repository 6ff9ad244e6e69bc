using JobExporter.Testing;
using NUnit.Framework;

namespace JobExporter.Mixin.Tests;

/// <summary>docs/scaling.md's recording rules for a global view over many clusters: valid, tested, and shown as they are.</summary>
public sealed class GlobalRulesTests
{
    private static readonly string Folder = Path.Combine(RepositoryPaths.Root, "docs", "scaling");

    [Test]
    public async Task The_global_rules_pass_promtool_check_rules()
    {
        var result = await Mixin.PromtoolAsync("check", "rules", Path.Combine(Folder, "global_rules.yaml"));

        Assert.That(result.ExitCode, Is.Zero, result.Output);
        Assert.That(result.Output, Does.Contain("SUCCESS: 4 rules found"));
    }

    [Test]
    public async Task The_global_rules_sum_two_clusters_in_promtools_unit_test()
    {
        var result = await Mixin.PromtoolAsync("test", "rules", Path.Combine(Folder, "global_rules_test.yaml"));

        Assert.That(result.ExitCode, Is.Zero, result.Output);
    }

    [Test]
    public void The_scaling_guide_shows_the_rule_file_as_it_is()
    {
        var guide = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "scaling.md"));
        var rules = string.Join('\n', File.ReadAllLines(Path.Combine(Folder, "global_rules.yaml")).Where(l => !l.StartsWith('#'))) + "\n";

        Assert.That(guide, Does.Contain("```yaml\n" + rules + "```"));
    }
}
