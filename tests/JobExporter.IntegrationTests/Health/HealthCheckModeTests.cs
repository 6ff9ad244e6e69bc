using JobExporter.IntegrationTests.Security;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Health;

/// <summary>
/// `JobExporter healthcheck` (the image's HEALTHCHECK) against the real exporter, given the same flags and environment:
/// it passes wherever and however the exporter serves, and fails when nothing serves there or its credentials are wrong.
/// </summary>
public class HealthCheckModeTests
{
    private const string User = "prometheus";
    private const string Password = "health check secret";

    private static Task<ProcessRunner.Result> HealthCheck(IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.ExporterDll, "healthcheck", .. args], env, TimeSpan.FromSeconds(60));

    private static string[] Broker() => ["--broker.url", SharedBroker.Node.AmqpUrl.ToString(), "--broker.queue", EventLane.New().Queue];

    [Test]
    public async Task Passes_against_a_plain_exporter_on_another_port_and_fails_where_nothing_listens()
    {
        await using var exporter = await ExporterProcess.StartAsync(SharedBroker.Node.AmqpUrl, "--broker.queue", EventLane.New().Queue);
        var here = await HealthCheck(["--web.listen-address", $"127.0.0.1:{exporter.Port}"]);
        Assert.That(here.ExitCode, Is.EqualTo(0), here.Output);
        Assert.That(here.Output.Trim(), Is.EqualTo($"jobexporter healthcheck: http://127.0.0.1:{exporter.Port}/healthz: 200"));

        // The listen address from the environment, with a wildcard host: the check asks the loopback address.
        var fromEnv = await HealthCheck([], new Dictionary<string, string> { ["JOBEXPORTER_WEB_LISTEN_ADDRESS"] = $":{exporter.Port}" });
        Assert.That(fromEnv.ExitCode, Is.EqualTo(0), fromEnv.Output);

        var nowhere = FreePort.Next();
        var elsewhere = await HealthCheck(["--web.listen-address", $"127.0.0.1:{nowhere}"]);
        Assert.That(elsewhere.ExitCode, Is.EqualTo(1));
        Assert.That(elsewhere.Output, Does.StartWith($"jobexporter healthcheck: http://127.0.0.1:{nowhere}/healthz: cannot connect"));
    }

    [Test]
    public async Task Ready_asks_readyz_which_follows_the_broker()
    {
        await using var exporter = await ExporterProcess.StartAsync(SharedBroker.Node.AmqpUrl, "--broker.queue", EventLane.New().Queue);
        string[] args = ["--web.listen-address", $"127.0.0.1:{exporter.Port}", "--ready"];
        await exporter.WaitUntilAsync(async () => (await HealthCheck(args)).ExitCode == 0, TimeSpan.FromSeconds(30), "healthcheck --ready to pass");

        await using var unconnected = await ExporterProcess.StartAsync(new Uri("amqp://guest:guest@127.0.0.1:1/"));
        var result = await HealthCheck(["--web.listen-address", $"127.0.0.1:{unconnected.Port}", "--ready"]);
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Output, Does.Contain("/readyz: 503"));
    }

    [Test]
    public async Task Passes_over_tls_with_a_certificate_for_another_name_trusting_only_the_exporters_own()
    {
        using var pki = new TestPki();
        var config = Path.Combine(pki.Folder, "web.yml");
        File.WriteAllText(config, "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n");
        using var client = SecuredExporter.Client(pki.CaFile);
        await using var exporter = await SecuredExporter.StartAsync([.. Broker(), "--web.config.file", config], client);
        string[] args = ["--web.listen-address", $"127.0.0.1:{exporter.Port}", "--web.config.file", config];

        var result = await HealthCheck(args);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Output.Trim(), Is.EqualTo($"jobexporter healthcheck: https://127.0.0.1:{exporter.Port}/healthz: 200"));

        // A check that expects another certificate (here: the client's) refuses the exporter's: it pins, it does not skip.
        var other = Path.Combine(pki.Folder, "other.yml");
        File.WriteAllText(other, "tls_server_config:\n  cert_file: client.pem\n  key_file: client-key.pem\n");
        var pinned = await HealthCheck(["--web.listen-address", $"127.0.0.1:{exporter.Port}", "--web.config.file", other]);
        Assert.That(pinned.ExitCode, Is.EqualTo(1));
        Assert.That(pinned.Output, Does.Contain("TLS handshake failed"));
    }

    [Test]
    public async Task Passes_behind_basic_auth_on_the_challenge_or_the_right_credentials_and_fails_on_wrong_ones()
    {
        using var folder = new TempFolder("healthcheck");
        var config = folder.File("web.yml");
        File.WriteAllText(config, $"basic_auth_users:\n  {User}: {Bcrypt.Hash(Password)}\n");
        using var client = SecuredExporter.Client(null, (User, Password));
        await using var exporter = await SecuredExporter.StartAsync([.. Broker(), "--web.config.file", config], client, "http");
        string[] args = ["--web.listen-address", $"127.0.0.1:{exporter.Port}", "--web.config.file", config];

        var challenge = await HealthCheck(args);
        Assert.That(challenge.ExitCode, Is.EqualTo(0), challenge.Output);
        Assert.That(challenge.Output, Does.Contain("/healthz: 401 with the exporter's basic auth challenge"));

        var right = await HealthCheck(args, Credentials(Password));
        Assert.That(right.ExitCode, Is.EqualTo(0), right.Output);
        Assert.That(right.Output.Trim(), Does.EndWith("/healthz: 200"));

        var wrong = await HealthCheck(args, Credentials("not the password"));
        Assert.That(wrong.ExitCode, Is.EqualTo(1));
        Assert.That(wrong.Output, Does.Contain("401 (the health check's credentials were refused)"));

        // Readiness cannot be read from a challenge: it needs the credentials.
        Assert.That((await HealthCheck([.. args, "--ready"])).ExitCode, Is.EqualTo(1));
    }

    private static Dictionary<string, string> Credentials(string password) => new()
    {
        ["JOBEXPORTER_HEALTHCHECK_USER"] = User,
        ["JOBEXPORTER_HEALTHCHECK_PASSWORD"] = password,
    };
}
