using JobExporter.Testing;
using NUnit.Framework;

namespace JobExporter.Mixin.Tests;

public sealed class MixinCliTests
{
    [Test]
    public void Renders_into_another_folder_which_then_checks_as_up_to_date()
    {
        using var folder = new TempFolder("mixin-cli");

        var (rendered, _, _) = Run("--mixin", Mixin.Folder, "--out", folder.Path);
        var (checkedCode, _, errors) = Run("--mixin", Mixin.Folder, "--out", folder.Path, "--check");

        Assert.That(rendered, Is.Zero);
        Assert.That(File.Exists(folder.File("dashboards_out/jobexporter-overview.json")), Is.True);
        Assert.That(checkedCode, Is.Zero, errors);
    }

    [Test]
    public void Check_names_each_stale_or_extra_file_and_fails()
    {
        using var folder = new TempFolder("mixin-cli");
        Run("--mixin", Mixin.Folder, "--out", folder.Path);
        File.AppendAllText(folder.File("prometheus_alerts.yaml"), "# edited by hand\n");
        File.WriteAllText(folder.File("dashboards_out/old.json"), "{}");

        var (code, _, errors) = Run("--mixin", Mixin.Folder, "--out", folder.Path, "--check");

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("out of date: " + folder.File("prometheus_alerts.yaml")));
        Assert.That(errors, Does.Contain("out of date: " + folder.File("dashboards_out/old.json")));
    }

    [Test]
    public void A_config_override_that_jsonnet_rejects_fails_with_jsonnets_message()
    {
        using var folder = new TempFolder("mixin-cli");

        var (code, _, errors) = Run("--mixin", Mixin.Folder, "--out", folder.Path, "--config", "{ alerts+: { workerDown+: { 'for': '1 hour' } } }");

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.StartWith("RUNTIME ERROR: not a single-unit duration: \"1 hour\""));
        Assert.That(Directory.GetFiles(folder.Path), Is.Empty, "nothing written after a failed render");
    }

    [TestCase(new string[0], "--mixin <folder> is required")]
    [TestCase(new[] { "--mixin" }, "--mixin needs a value")]
    [TestCase(new[] { "--mixin", "mixin", "--colour" }, "Unknown argument --colour")]
    public void Bad_arguments_exit_with_2_and_the_usage(string[] args, string message)
    {
        var (code, _, errors) = Run(args);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(errors, Does.Contain(message).And.Contain(MixinCli.Usage));
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = MixinCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
