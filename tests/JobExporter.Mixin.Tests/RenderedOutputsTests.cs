using NUnit.Framework;

namespace JobExporter.Mixin.Tests;

public sealed class RenderedOutputsTests
{
    [Test]
    public void Committed_outputs_match_a_fresh_render()
    {
        var files = MixinRenderer.Render(Mixin.Folder);

        var differences = MixinRenderer.Differences(files, Mixin.Folder);

        Assert.That(differences, Is.Empty, "Out of date; run `make mixin` and commit the result.");
    }

    // `make mixin` also renders the promtool scenarios' fixture and the demo's rules, each with its own classes.
    [TestCase("mixin/tests/config.jsonnet", "mixin/tests/rendered")]
    [TestCase("deploy/local/mixin-config.jsonnet", "deploy/local/rules")]
    public void Committed_renderings_with_a_config_match_a_fresh_render(string config, string folder)
    {
        var files = MixinRenderer.Render(Mixin.Folder, File.ReadAllText(Path.Combine(JobExporter.Testing.RepositoryPaths.Root, config)), rulesOnly: true);

        var differences = MixinRenderer.Differences(files, Path.Combine(JobExporter.Testing.RepositoryPaths.Root, folder));

        Assert.That(files.Keys, Is.EquivalentTo(new[] { "prometheus_alerts.yaml", "prometheus_rules.yaml" }));
        Assert.That(differences, Is.Empty, "Out of date; run `make mixin` and commit the result.");
    }

    [Test]
    public void Renders_every_output_the_mixin_promises()
    {
        var files = MixinRenderer.Render(Mixin.Folder);

        Assert.That(files.Keys, Is.SupersetOf(new[]
        {
            "prometheus_alerts.yaml", "prometheus_rules.yaml", "prometheus_rule.yaml",
            "dashboards_out/jobexporter-overview.json", "dashboards_out/jobexporter-job.json",
        }));
    }

    [Test]
    public void Keeps_expressions_as_readable_literal_blocks()
    {
        var alerts = MixinRenderer.Render(Mixin.Folder)["prometheus_alerts.yaml"];

        Assert.That(alerts, Does.Contain("    expr: |\n      max by (system, name) (\n"));
        Assert.That(alerts, Does.Not.Contain("\\n"), "no escaped newlines in the YAML");
    }

    [Test]
    public void A_missing_mixin_folder_is_reported_by_name()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => MixinRenderer.Render("/nonexistent/mixin"))!;

        Assert.That(error.Message, Does.Contain("/nonexistent/mixin"));
    }
}
