using JobExporter.Testing;

namespace JobExporter.IntegrationTests;

/// <summary>The binary as a user runs it: --help, a bad flag, the landing page.</summary>
public class CommandLineTests
{
    private static Task<ProcessRunner.Result> Run(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.ExporterDll, .. args], timeout: TimeSpan.FromSeconds(60));

    [Test]
    public async Task Help_prints_every_flag_and_exits_zero()
    {
        var result = await Run("--help");
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(result.Output, Does.Contain("--broker.url").And.Contain("--web.listen-address").And.Contain("(default: :9821)"));
    }

    [Test]
    public async Task Help_after_the_healthcheck_mode_prints_the_help_and_probes_nothing()
    {
        var result = await Run("healthcheck", "--help");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Output, Does.Contain("jobexporter healthcheck [--ready] [flags]").And.Contain("--web.listen-address"));
        Assert.That(result.Output, Does.Not.Contain("/healthz:"), "no probe ran");
    }

    [Test]
    public async Task A_bad_flag_prints_one_line_and_exits_two()
    {
        var result = await Run("--worker.timeout", "forever");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output.Trim(), Is.EqualTo("jobexporter: --worker.timeout 'forever' is not a duration such as 30s, 10m or 1h"));
    }

    [Test]
    public async Task A_static_label_named_stream_is_refused_at_start_with_exit_two()
    {
        var result = await Run("--metrics.static-label", "stream=billing");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output.Trim(), Is.EqualTo("jobexporter: --metrics.static-label 'stream=billing': the exporter sets the stream label itself, "
            + "from --broker.exchange and --broker.binding-key; name the label otherwise"));
    }

    [Test]
    public async Task The_landing_page_links_the_metrics_path()
    {
        await using var exporter = await ExporterProcess.StartAsync(SharedBroker.Node.AmqpUrl, "--web.telemetry-path", "/custom-metrics",
            "--broker.queue", EventLane.New().Queue);
        var page = await (await exporter.GetAsync("")).Content.ReadAsStringAsync();
        Assert.That(page, Does.Contain("href=\"/custom-metrics\""));
        Assert.That((await exporter.GetAsync("custom-metrics")).IsSuccessStatusCode, Is.True);
    }
}
