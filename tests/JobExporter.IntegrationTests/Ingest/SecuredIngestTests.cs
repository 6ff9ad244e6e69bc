using System.Net;
using JobExporter.Contracts;
using JobExporter.IntegrationTests.Security;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Ingest;

/// <summary>The ingest endpoint behind --web.config.file: TLS and basic auth guard it as they guard /metrics.</summary>
public class SecuredIngestTests
{
    private const string User = "emitter";
    private const string Password = "a long enough sender password";

    [Test]
    public async Task Batches_are_taken_over_tls_with_the_right_credentials_only()
    {
        using var pki = new TestPki();
        var webConfig = Path.Combine(pki.Folder, "web.yml");
        File.WriteAllText(webConfig, $"""
            tls_server_config:
              cert_file: server.pem
              key_file: server-key.pem
            basic_auth_users:
              {User}: {Bcrypt.Hash(Password)}
            """);
        using var authorised = SecuredExporter.Client(pki.CaFile, (User, Password));
        await using var exporter = await SecuredExporter.StartAsync(["--web.enable-ingest", "--web.config.file", webConfig], authorised);
        using var anonymous = SecuredExporter.Client(pki.CaFile);
        using var wrongPassword = SecuredExporter.Client(pki.CaFile, (User, "guess"));
        using var plain = new HttpClient();
        var f = new EventFactory("masstransit", "consumer-1");
        JobEvent[] batch = [f.Job(EventType.JobSent, "Secure.Job", "orders")];

        var refused = await IngestClient.PostAsync(anonymous, exporter.BaseUrl(), batch);
        var wrong = await IngestClient.PostAsync(wrongPassword, exporter.BaseUrl(), batch);
        var taken = await IngestClient.PostAsync(authorised, exporter.BaseUrl(), batch);
        Exception? overPlainHttp = null;
        try
        {
            var response = await IngestClient.PostAsync(plain, exporter.BaseUrl("http"), batch);
            overPlainHttp = response.IsSuccessStatusCode ? null : new HttpRequestException(response.StatusCode.ToString());
        }
        catch (HttpRequestException ex)
        {
            overPlainHttp = ex;
        }

        var page = await (await authorised.GetAsync(new Uri(exporter.BaseUrl(), "metrics"))).Content.ReadAsStringAsync();
        var m = MetricsSnapshot.Parse(page);
        Assert.Multiple(() =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(refused.Headers.WwwAuthenticate.ToString(), Does.StartWith("Basic"));
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(taken.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(overPlainHttp, Is.Not.Null, "plain HTTP is not served");
            Assert.That(m.Value("jobs_sent_total", ("name", "Secure.Job")), Is.EqualTo(1), "counted once: the refused posts were not applied");
        });
    }
}
