using System.Net;
using System.Security.Cryptography.X509Certificates;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Security;

/// <summary>The real exporter behind --web.config.file: TLS that a client trusting the generated CA accepts, and basic auth on every path.</summary>
public class WebSecurityTests
{
    private const string User = "prometheus";
    private const string Password = "correct horse battery staple";

    private TestPki _pki = null!;
    private SecuredExporter _exporter = null!;
    private HttpClient _authorised = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _pki = new TestPki();
        File.WriteAllText(Path.Combine(_pki.Folder, "web.yml"), $"""
            tls_server_config:
              cert_file: server.pem
              key_file: server-key.pem
            basic_auth_users:
              {User}: {Bcrypt.Hash(Password)}
            """);
        _authorised = SecuredExporter.Client(_pki.CaFile, (User, Password));
        _exporter = await SecuredExporter.StartAsync(["--broker.url", SharedBroker.Node.AmqpUrl.ToString(),
            "--web.config.file", Path.Combine(_pki.Folder, "web.yml")], _authorised);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        // Also after a failed start: what did start is stopped.
        if (_exporter is not null) await _exporter.DisposeAsync();
        _authorised?.Dispose();
        _pki?.Dispose();
    }

    private Uri Url(string path) => new(_exporter.BaseUrl(), path);

    [Test]
    public async Task Metrics_are_served_over_tls_to_the_right_credentials()
    {
        var response = await _authorised.GetAsync(Url("metrics"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("jobs_exporter_build_info"));
    }

    [TestCase("metrics")]
    [TestCase("healthz")]
    [TestCase("readyz")]
    [TestCase("")]
    [TestCase("no-such-page")]
    public async Task Every_path_answers_401_with_a_challenge_without_credentials(string path)
    {
        using var anonymous = SecuredExporter.Client(_pki.CaFile);
        var response = await anonymous.GetAsync(Url(path));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.Single().Scheme, Is.EqualTo("Basic"));
    }

    [TestCase(User, "wrong password")]
    [TestCase("someone-else", Password)]
    [TestCase(User, "")]
    public async Task Wrong_credentials_get_401(string user, string password)
    {
        using var client = SecuredExporter.Client(_pki.CaFile, (user, password));
        Assert.That((await client.GetAsync(Url("metrics"))).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Health_is_served_to_the_right_credentials()
    {
        Assert.That((await _authorised.GetAsync(Url("healthz"))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public void Plain_http_is_not_served()
    {
        using var plain = SecuredExporter.Client(null, (User, Password));
        Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new Uri(_exporter.BaseUrl("http"), "metrics")));
    }

    [Test]
    public void A_client_that_does_not_trust_the_ca_refuses_the_server()
    {
        using var other = new TestPki();
        using var client = SecuredExporter.Client(other.CaFile, (User, Password));
        Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(Url("metrics")));
    }

    [Test]
    public async Task Only_tls_12_and_13_are_offered()
    {
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, _, _, _) => true,
#pragma warning disable SYSLIB0039 // TLS 1.1 on purpose: the server must refuse it.
            SslProtocols = System.Security.Authentication.SslProtocols.Tls11,
#pragma warning restore SYSLIB0039
        };
        using var old = new HttpClient(handler);
        Assert.ThrowsAsync<HttpRequestException>(() => old.GetAsync(Url("healthz")));
        await Task.CompletedTask;
    }
}

/// <summary>client_auth_type RequireAndVerifyClientCert: only clients with a certificate from client_ca_file get in.</summary>
public class ClientCertificateTests
{
    [Test]
    public async Task Only_a_client_certificate_from_the_client_ca_is_accepted()
    {
        using var pki = new TestPki();
        File.WriteAllText(Path.Combine(pki.Folder, "web.yml"), """
            tls_server_config:
              cert_file: server.pem
              key_file: server-key.pem
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.pem
            """);
        using var certificate = X509Certificate2.CreateFromPemFile(pki.ClientCertFile, pki.ClientKeyFile);
        using var withCertificate = SecuredExporter.Client(pki.CaFile, clientCertificate: certificate);
        await using var exporter = await SecuredExporter.StartAsync(["--broker.url", SharedBroker.Node.AmqpUrl.ToString(),
            "--web.config.file", Path.Combine(pki.Folder, "web.yml")], withCertificate);

        Assert.That((await withCertificate.GetAsync(new Uri(exporter.BaseUrl(), "metrics"))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var without = SecuredExporter.Client(pki.CaFile);
        Assert.That(await RefusedAsync(without, new Uri(exporter.BaseUrl(), "metrics")), Is.True, "without a certificate");
        using var stranger = new TestPki();
        using var strangerCertificate = X509Certificate2.CreateFromPemFile(stranger.ClientCertFile, stranger.ClientKeyFile);
        using var withStranger = SecuredExporter.Client(pki.CaFile, clientCertificate: strangerCertificate);
        Assert.That(await RefusedAsync(withStranger, new Uri(exporter.BaseUrl(), "metrics")), Is.True, "with a certificate from another CA");
    }

    // With TLS 1.3 the server checks the client's certificate after the handshake, so the refusal may come as a failed
    // handshake or as a failed first read; either way no page is served.
    private static async Task<bool> RefusedAsync(HttpClient client, Uri url)
    {
        try
        {
            var response = await client.GetAsync(url);
            TestContext.Out.WriteLine($"answered {(int)response.StatusCode}");
            return !response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Security.Authentication.AuthenticationException)
        {
            TestContext.Out.WriteLine($"refused: {ex.GetType().Name}: {ex.Message}");
            return true;
        }
    }

    [Test]
    public async Task A_bad_web_config_file_is_one_line_and_exit_code_two()
    {
        using var folder = new TempFolder("webconfig");
        File.WriteAllText(folder.File("web.yml"), "tls_server_config:\n  cert_file: nope.pem\n  key_file: nope-key.pem\n");
        var result = await ProcessRunner.RunAsync("dotnet", [RepositoryPaths.ExporterDll, "--web.config.file", folder.File("web.yml")],
            timeout: TimeSpan.FromSeconds(60));
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Output.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.Output, Does.StartWith($"jobexporter: --web.config.file '{folder.File("web.yml")}': tls_server_config: cannot load cert_file"));
    }
}
