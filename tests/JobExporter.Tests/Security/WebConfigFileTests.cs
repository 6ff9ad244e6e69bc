using JobExporter.Configuration;
using JobExporter.Security;
using JobExporter.Testing;

namespace JobExporter.Tests.Security;

public class WebConfigFileTests
{
    private TestPki _pki = null!;

    [OneTimeSetUp]
    public void MakeCertificates() => _pki = new TestPki();

    [OneTimeTearDown]
    public void RemoveCertificates() => _pki.Dispose();

    private static readonly string Hash = BCrypt.Net.BCrypt.HashPassword("s3cret", 4);

    private string Write(string yaml)
    {
        var path = Path.Combine(_pki.Folder, $"web-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string ProblemOf(string path) => Assert.Throws<FlagException>(() => WebConfigReader.Read(path))!.Message;

    [Test]
    public void Reads_tls_and_users_with_paths_relative_to_the_file()
    {
        var config = WebConfigReader.Read(Write($"""
            tls_server_config:
              cert_file: server.pem
              key_file: server-key.pem
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.pem
              min_version: TLS13
            basic_auth_users:
              alice: {Hash}
            """));
        Assert.That(config.Tls!.Certificate.HasPrivateKey, Is.True);
        Assert.That(config.Tls.ClientAuth, Is.EqualTo(ClientAuthType.RequireAndVerifyClientCert));
        Assert.That(config.Tls.ClientCas, Has.Count.EqualTo(1));
        Assert.That(config.Tls.Protocols, Is.EqualTo(System.Security.Authentication.SslProtocols.Tls13));
        Assert.That(config.Users!.Verify("alice", "s3cret"), Is.True);
    }

    [Test]
    public void An_empty_file_turns_nothing_on()
    {
        Assert.That(WebConfigReader.Read(Write("")), Is.EqualTo(WebConfig.None));
    }

    [Test]
    public void Basic_auth_alone_needs_no_certificate()
    {
        var config = WebConfigReader.Read(Write($"basic_auth_users:\n  bob: '{Hash}'\n"));
        Assert.That(config.Tls, Is.Null);
        Assert.That(config.Users!.Names, Is.EqualTo(new[] { "bob" }));
    }

    [TestCase("tls_server_config: [1, 2]", "tls_server_config must be a mapping of keys to values")]
    [TestCase("tls_server_config:\n  key_file: server-key.pem", "tls_server_config.cert_file is required")]
    [TestCase("tls_server_config:\n  cert_file: server.pem", "tls_server_config.key_file is required")]
    [TestCase("tls_server_config:\n  cert_file: missing.pem\n  key_file: server-key.pem", "tls_server_config: cannot load cert_file")]
    [TestCase("tls_server_config:\n  cert_file: server.pem\n  key_file: client-key.pem", "tls_server_config: cannot load cert_file")]
    [TestCase("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n  client_auth_type: Sometimes",
        "tls_server_config.client_auth_type 'Sometimes' must be one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert")]
    [TestCase("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n  client_auth_type: RequireAndVerifyClientCert",
        "tls_server_config.client_auth_type RequireAndVerifyClientCert needs client_ca_file")]
    [TestCase("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n  client_ca_file: ca.pem",
        "tls_server_config.client_ca_file is set but client_auth_type is NoClientCert")]
    [TestCase("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n  min_version: TLS10",
        "tls_server_config.min_version TLS10 and TLS11 are not supported (insecure)")]
    [TestCase("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n  min_version: TLS13\n  max_version: TLS12",
        "tls_server_config.min_version is above max_version")]
    [TestCase("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n  cipher_suites: [TLS_AES_128_GCM_SHA256]",
        "tls_server_config.cipher_suites is not supported by jobexporter")]
    [TestCase("rate_limit:\n  interval: 1s", "rate_limit is not supported by jobexporter")]
    [TestCase("basic_auth_users:\n  alice: plaintext-password", "basic_auth_users.alice must be a bcrypt hash")]
    [TestCase("basic_auth_users: {a: b", "not valid YAML at line")]
    public void A_bad_file_is_one_line_that_names_the_file_and_the_problem(string yaml, string problem)
    {
        var path = Write(yaml);
        var message = ProblemOf(path);
        Assert.That(message, Does.StartWith($"--web.config.file '{path}': {problem}"));
        Assert.That(message, Does.Not.Contain('\n'));
    }

    [Test]
    public void A_password_written_where_its_hash_belongs_is_not_repeated_in_the_message()
    {
        Assert.That(ProblemOf(Write("basic_auth_users:\n  alice: hunter2-plaintext")), Does.Not.Contain("hunter2"));
    }

    [Test]
    public void A_missing_file_is_a_bad_flag()
    {
        Assert.That(ProblemOf(Path.Combine(_pki.Folder, "nope.yml")), Does.Contain("cannot read"));
    }

    [Test]
    public void The_flag_reads_the_file_into_the_options()
    {
        var path = Write($"basic_auth_users:\n  alice: {Hash}\n");
        var options = OptionsReader.Read(FlagValues.Read(["--web.config.file", path], new Dictionary<string, string?>()), "h");
        Assert.That(options.Web.Users, Is.Not.Null);
        Assert.That(new TestExporter().Options.Web, Is.EqualTo(WebConfig.None));
    }

    [Test]
    public void Listens_on_https_when_tls_is_configured()
    {
        Assert.That(ExporterApp.ListenUrl(":9821", "https"), Is.EqualTo("https://*:9821"));
        Assert.That(ExporterApp.ListenUrl("127.0.0.1:9821"), Is.EqualTo("http://127.0.0.1:9821"));
    }
}
