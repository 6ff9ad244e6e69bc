using System.Net;
using System.Text;
using JobExporter.Emitter;
using JobExporter.Transport;
using JobExporter.Transport.Http;

namespace JobExporter.Tests.Transport;

/// <summary>The emitters' HTTP transport: which setting picks it, the URL and credentials it posts with, and what each answer means.</summary>
public class HttpTransportTests
{
    [Test]
    public void ExporterUrl_alone_or_with_more_exporters_is_a_complete_setting()
    {
        var options = new EventPublisherOptions { ExporterUrl = new Uri("http://127.0.0.1:9821/"), ExporterUrls = { new Uri("https://b:9821/") } };
        Assert.That(options.Problems(), Is.Empty);
        Assert.That(options.AllExporterUrls.Select(u => u.Host), Is.EqualTo(new[] { "127.0.0.1", "b" }));
        Assert.That(new EventPublisherOptions { ExporterUrls = { new Uri("http://a:9821/") } }.Problems(), Is.Empty);
    }

    [Test]
    public void BrokerUrl_and_ExporterUrl_together_are_one_clear_problem()
    {
        var options = new EventPublisherOptions { BrokerUrl = new Uri("amqp://guest:guest@rabbit/"), ExporterUrl = new Uri("http://exporter:9821/") };
        Assert.That(options.Problems(), Is.EqualTo(new[]
        {
            "JobExporter:BrokerUrl (events through RabbitMQ) and ExporterUrl (events over HTTP to the exporter) cannot both be set: choose one transport.",
        }));
        Assert.That(() => options.Validate(), Throws.ArgumentException);
    }

    [Test]
    public void An_exporter_url_that_is_not_http_and_tls_files_without_https_are_problems()
    {
        Assert.That(new EventPublisherOptions { ExporterUrl = new Uri("ftp://exporter/") }.Problems(),
            Has.One.EqualTo("JobExporter:ExporterUrl and ExporterUrls must be absolute http:// or https:// URLs, not ftp://."));
        Assert.That(new EventPublisherOptions { ExporterUrl = new Uri("http://exporter/"), CaFile = "ca.pem" }.Problems(),
            Has.One.EqualTo("JobExporter:CaFile, CertFile and KeyFile need https:// exporter URLs."));
    }

    [Test]
    public void The_url_posted_to_holds_no_credentials_and_they_go_in_a_basic_auth_header()
    {
        var endpoint = new ExporterEndpoint(new Uri("https://emitter:p%40ss@exporter.example:9821/prefix"));
        Assert.Multiple(() =>
        {
            Assert.That(endpoint.IngestUrl, Is.EqualTo(new Uri("https://exporter.example:9821/prefix/api/v1/events")));
            Assert.That(endpoint.Redacted, Is.EqualTo("https://exporter.example:9821/prefix/"));
            Assert.That(endpoint.Authorization!.Scheme, Is.EqualTo("Basic"));
            Assert.That(Encoding.UTF8.GetString(Convert.FromBase64String(endpoint.Authorization.Parameter!)), Is.EqualTo("emitter:p@ss"));
        });
        var replaced = new ExporterEndpoint(new Uri("https://emitter@exporter.example/"), password: "from-a-secret");
        Assert.That(Encoding.UTF8.GetString(Convert.FromBase64String(replaced.Authorization!.Parameter!)), Is.EqualTo("emitter:from-a-secret"));
        Assert.That(new ExporterEndpoint(new Uri("http://exporter:9821")).Authorization, Is.Null);
    }

    [TestCase(HttpStatusCode.OK, true)]
    [TestCase(HttpStatusCode.BadRequest, true)]
    [TestCase(HttpStatusCode.RequestEntityTooLarge, true)]
    [TestCase(HttpStatusCode.ServiceUnavailable, false)]
    [TestCase(HttpStatusCode.Unauthorized, false)]
    [TestCase(HttpStatusCode.RequestTimeout, false)]
    [TestCase(HttpStatusCode.NotFound, false)]
    public async Task A_batch_is_done_only_when_sending_it_again_cannot_change_the_answer(HttpStatusCode status, bool done)
    {
        // The opening probe (an empty batch) is acknowledged; the batch gets the answer under test.
        var transport = Transport(request => IsProbe(request) ? HttpStatusCode.OK : status, "http://a:9821/");
        await using var connection = await transport.OpenAsync(CancellationToken.None);
        var publish = async () => await connection.PublishAsync("hangfire.job-sent.web-1", Batch, 2, CancellationToken.None);
        if (done) Assert.That(publish, Throws.Nothing);
        else Assert.That(publish, Throws.InstanceOf<HttpRequestException>().With.Message.Contains(((int)status).ToString()));
    }

    [Test]
    public async Task With_two_exporters_a_batch_goes_to_both_and_fails_while_one_refuses_it()
    {
        var posted = new List<string>();
        var down = false;
        var transport = Transport(request =>
        {
            if (IsProbe(request)) return HttpStatusCode.OK;
            lock (posted) posted.Add(request.RequestUri!.Host);
            return request.RequestUri!.Host == "down" && Volatile.Read(ref down) ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
        }, "http://up:9821/", "http://down:9821/");
        await using var connection = await transport.OpenAsync(CancellationToken.None);
        Volatile.Write(ref down, true);

        Assert.That(async () => await connection.PublishAsync("k", Batch, 2, CancellationToken.None),
            Throws.InstanceOf<HttpRequestException>().With.Message.EqualTo("http://down:9821/ answered 503 Service Unavailable"));
        Assert.That(posted, Is.EquivalentTo(new[] { "up", "down" }));
        Assert.That(transport.Destination, Is.EqualTo("http://up:9821/, http://down:9821/"));
    }

    // A batch of two events, as the publisher would post it (its contents do not matter to the transport).
    private static readonly byte[] Batch = "[{\"n\":1},{\"n\":2}]"u8.ToArray();

    private static bool IsProbe(HttpRequestMessage request) => request.Content!.ReadAsStringAsync().GetAwaiter().GetResult() == "[]";

    private static HttpEventTransport Transport(Func<HttpRequestMessage, HttpStatusCode> answer, params string[] exporters) =>
        new(exporters.Select(e => new ExporterEndpoint(new Uri(e))).ToList(), new HttpClient(new Answering(answer)));

    private sealed class Answering(Func<HttpRequestMessage, HttpStatusCode> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(answer(request)));
    }
}
