using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Security;

/// <summary>A broker password given by file or environment never shows in the exporter's output, its --help, or /metrics.</summary>
public class CredentialLeakTests
{
    private const string User = "leaktest";
    private const string Password = "Zq7-leak-canary-93b1";

    [OneTimeSetUp]
    public async Task AddUserAsync()
    {
        var node = SharedBroker.Node;
        await node.CtlAsync(TimeSpan.FromSeconds(60), "add_user", User, Password);
        await node.CtlAsync(TimeSpan.FromSeconds(60), "set_permissions", "-p", "/", User, ".*", ".*", ".*");
    }

    private static Uri UrlWithoutPassword(int port) => new($"amqp://{User}@127.0.0.1:{port}/");

    private static async Task<ExporterProcess> StartAsync(Uri? broker, IDictionary<string, string> env, params string[] extra)
    {
        var port = FreePort.Next();
        string[] url = broker is null ? [] : ["--broker.url", broker.ToString()];
        return await ExporterProcess.StartWithArgsAsync(port,
            [.. url, "--web.listen-address", $"127.0.0.1:{port}", "--broker.queue", EventLane.New().Queue, "--log.level", "debug", .. extra], env);
    }

    private static void AssertNoPassword(string where, string text, string password = Password)
    {
        Assert.That(text, Does.Not.Contain(password), where);
        Assert.That(text, Does.Not.Contain(Uri.EscapeDataString(password)), where);
    }

    [Test]
    public async Task A_password_from_the_environment_connects_and_is_never_shown()
    {
        await using var exporter = await StartAsync(UrlWithoutPassword(SharedBroker.Node.Port),
            new Dictionary<string, string> { ["JOBEXPORTER_BROKER_PASSWORD"] = Password });
        var page = await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Events.Patience, "a connection");
        AssertNoPassword("/metrics", page.Text);
        AssertNoPassword("landing page", await (await exporter.GetAsync("")).Content.ReadAsStringAsync());
        await exporter.StopAsync();
        AssertNoPassword("output", exporter.Output);
    }

    [Test]
    public async Task A_password_from_a_file_connects_and_is_never_shown()
    {
        using var folder = new TempFolder("secret");
        File.WriteAllText(folder.File("password"), Password + "\n");
        await using var exporter = await StartAsync(UrlWithoutPassword(SharedBroker.Node.Port), new Dictionary<string, string>(),
            "--broker.password-file", folder.File("password"));
        var page = await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Events.Patience, "a connection");
        AssertNoPassword("/metrics", page.Text);
        await exporter.StopAsync();
        AssertNoPassword("output", exporter.Output);
    }

    [Test]
    public async Task A_wrong_password_is_refused_by_the_broker_and_not_logged()
    {
        const string wrong = "Wrong-canary-5d2e";
        await using var exporter = await StartAsync(UrlWithoutPassword(SharedBroker.Node.Port),
            new Dictionary<string, string> { ["JOBEXPORTER_BROKER_PASSWORD"] = wrong });
        await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains("Connecting to the broker")), Events.Patience, "a failure line");
        AssertNoPassword("/metrics", (await exporter.ScrapeAsync()).Text, wrong);
        await exporter.StopAsync();
        AssertNoPassword("output", exporter.Output, wrong);
    }

    [Test]
    public async Task A_password_for_an_unreachable_broker_is_not_logged()
    {
        using var folder = new TempFolder("secret");
        File.WriteAllText(folder.File("password"), Password);
        await using var exporter = await StartAsync(UrlWithoutPassword(FreePort.Next()), new Dictionary<string, string>(),
            "--broker.password-file", folder.File("password"));
        await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains("Connecting to the broker")), Events.Patience, "a failure line");
        AssertNoPassword("/metrics", (await exporter.ScrapeAsync()).Text);
        await exporter.StopAsync();
        AssertNoPassword("output", exporter.Output);
    }

    [Test]
    public async Task A_password_in_an_unreachable_url_from_the_environment_is_not_logged()
    {
        await using var exporter = await StartAsync(null,
            new Dictionary<string, string> { ["JOBEXPORTER_BROKER_URL"] = $"amqp://{User}:{Password}@127.0.0.1:{FreePort.Next()}/" });
        await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains("Connecting to the broker")), Events.Patience, "a failure line");
        AssertNoPassword("/metrics", (await exporter.ScrapeAsync()).Text);
        await exporter.StopAsync();
        AssertNoPassword("output", exporter.Output);
    }

    [Test]
    public async Task Help_does_not_show_a_password_set_in_the_environment()
    {
        using var folder = new TempFolder("secret");
        File.WriteAllText(folder.File("password"), Password);
        var result = await ProcessRunner.RunAsync("dotnet", [RepositoryPaths.ExporterDll, "--help"], new Dictionary<string, string>
        {
            ["JOBEXPORTER_BROKER_PASSWORD"] = Password,
            ["JOBEXPORTER_BROKER_URL"] = $"amqp://{User}:{Password}@127.0.0.1/",
        }, TimeSpan.FromSeconds(60));
        Assert.That(result.ExitCode, Is.EqualTo(0));
        AssertNoPassword("--help", result.Output);
    }

    [Test]
    public async Task The_password_flag_on_the_command_line_is_refused_with_exit_two_without_repeating_it()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [RepositoryPaths.ExporterDll, "--broker.password", Password], timeout: TimeSpan.FromSeconds(60));
        Assert.That(result.ExitCode, Is.EqualTo(2));
        AssertNoPassword("stderr", result.Output);
    }

    [Test]
    public async Task A_password_in_the_url_on_the_command_line_draws_a_warning_that_does_not_repeat_it()
    {
        await using var exporter = await StartAsync(new Uri($"amqp://{User}:{Password}@127.0.0.1:{SharedBroker.Node.Port}/"), new Dictionary<string, string>());
        await exporter.WaitUntilAsync(() => Task.FromResult(exporter.Output.Contains("warning: --broker.url on the command line holds a password")),
            Events.Patience, "the warning");
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Events.Patience, "a connection");
        await exporter.StopAsync();
        AssertNoPassword("output", exporter.Output);
    }
}
