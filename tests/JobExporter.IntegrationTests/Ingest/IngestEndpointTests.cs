using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Ingest;

/// <summary>POST /api/v1/events on the real exporter binary, with no broker: what a sender gets back, and what is counted.</summary>
public class IngestEndpointTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static IEnumerable<JobEvent> Sent(EventFactory f, string name, int count) =>
        Enumerable.Range(0, count).Select(_ => f.Job(EventType.JobSent, name, "default"));

    private static double Invalid(MetricsSnapshot m, string reason) => m.Value("jobs_exporter_events_invalid_total", ("reason", reason)) ?? 0;

    [Test]
    public async Task A_batch_is_counted_once_and_its_resend_is_dropped_as_a_duplicate()
    {
        await using var exporter = await IngestClient.StartExporterAsync();
        var batch = EventJson.SerializeBatch([.. Events.SucceededJob(new EventFactory("hangfire", "web-1"), "Invoice.Send", "critical")]);

        var first = await IngestClient.PostAsync(Http, exporter.BaseUrl, batch);
        var resend = await IngestClient.PostAsync(Http, exporter.BaseUrl, batch);

        // Answered only once applied: the page read after the answer already has the events.
        var m = await exporter.ScrapeAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), await first.Content.ReadAsStringAsync());
            Assert.That(resend.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Events.Applied(m), Is.EqualTo(4));
            Assert.That(m.Value("jobs_succeeded_total", ("name", "Invoice.Send")), Is.EqualTo(1));
            Assert.That(m.Value("jobs_exporter_events_duplicate_total"), Is.EqualTo(4));
            Assert.That(m.Has("jobs_exporter_broker_connected"), Is.False, "no RabbitMQ without --broker.url");
        });
        Assert.That((await exporter.GetAsync("readyz")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "nothing to wait for: ready at once");
    }

    [Test]
    public async Task The_endpoint_is_off_unless_enabled()
    {
        var port = FreePort.Next();
        await using var exporter = await ExporterProcess.StartWithArgsAsync(port,
            ["--web.listen-address", $"127.0.0.1:{port}", "--broker.url", "amqp://guest:guest@127.0.0.1:1/"]);
        var response = await IngestClient.PostAsync(Http, exporter.BaseUrl, [new EventFactory("hangfire", "web-1").Job(EventType.JobSent, "A.Job", "default")]);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task An_oversized_body_gets_413_and_counts_as_too_large_and_the_next_batch_still_counts()
    {
        await using var exporter = await IngestClient.StartExporterAsync("--events.max-message-bytes", "4096");
        var f = new EventFactory("hangfire", "web-1");
        var big = EventJson.SerializeBatch(Sent(f, "Big.Job", 100));
        Assume.That(big.Length, Is.GreaterThan(4096));

        var tooLarge = await IngestClient.PostAsync(Http, exporter.BaseUrl, big);
        // Chunked: no Content-Length to refuse up front, so the bound is met while reading.
        var chunked = new StreamContent(new MemoryStream(big));
        var tooLargeChunked = await Http.PostAsync(new Uri(exporter.BaseUrl, IngestClient.Path), chunked);
        var small = await IngestClient.PostAsync(Http, exporter.BaseUrl, Sent(f, "Small.Job", 3));

        var m = await exporter.ScrapeAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(tooLarge.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(await tooLarge.Content.ReadAsStringAsync(), Does.Contain("--events.max-message-bytes"));
            Assert.That(tooLargeChunked.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(small.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Invalid(m, "too_large"), Is.EqualTo(2));
            Assert.That(m.Value("jobs_sent_total", ("name", "Big.Job")), Is.Null);
            Assert.That(m.Value("jobs_sent_total", ("name", "Small.Job")), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task Malformed_bodies_get_400_with_the_reason_and_count_as_the_broker_path_counts_them()
    {
        await using var exporter = await IngestClient.StartExporterAsync();
        var f = new EventFactory("hangfire", "web-1");
        string Good() => Encoding.UTF8.GetString(EventJson.Serialize(f.Job(EventType.JobSent, "Good.Job", "default")));

        var notJson = await IngestClient.PostAsync(Http, exporter.BaseUrl, Encoding.UTF8.GetBytes("this is not json"));
        var badUtf8 = await IngestClient.PostAsync(Http, exporter.BaseUrl, [0x5b, 0xff, 0xfe, 0x5d]);
        var tooMany = await IngestClient.PostAsync(Http, exporter.BaseUrl, Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("{}", 10_001)) + "]"));
        var allBad = await IngestClient.PostAsync(Http, exporter.BaseUrl, Encoding.UTF8.GetBytes("[{\"v\":1}]"));
        // One bad event among good ones: the good ones count, and the batch is taken (sending it again would not help).
        var mixed = await IngestClient.PostAsync(Http, exporter.BaseUrl, Encoding.UTF8.GetBytes($"[{Good()},{{\"v\":1,\"type\":\"job-sent\"}},{Good()}]"));

        var m = await exporter.ScrapeAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(notJson.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await notJson.Content.ReadAsStringAsync(), Does.Contain("not_json"));
            Assert.That(badUtf8.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await badUtf8.Content.ReadAsStringAsync(), Does.Contain("invalid_utf8"));
            Assert.That(tooMany.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await tooMany.Content.ReadAsStringAsync(), Does.Contain("batch_too_large"));
            Assert.That(allBad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(mixed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Invalid(m, "not_json"), Is.EqualTo(1));
            Assert.That(Invalid(m, "invalid_utf8"), Is.EqualTo(1));
            Assert.That(Invalid(m, "batch_too_large"), Is.EqualTo(1));
            Assert.That(m.Value("jobs_sent_total", ("name", "Good.Job")), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Slow_bodies_are_cut_off_and_while_they_hold_every_slot_others_get_503_with_retry_after()
    {
        await using var exporter = await IngestClient.StartExporterAsync();
        var f = new EventFactory("hangfire", "web-1");
        // More trickling senders than the endpoint reads at once (4): each sends its headers and a few bytes, then nothing.
        var slow = Enumerable.Range(0, 6).Select(_ => TrickleAsync(exporter.Port)).ToList();

        HttpResponseMessage? busy = null;
        await exporter.WaitUntilAsync(async () =>
        {
            busy = await IngestClient.PostAsync(Http, exporter.BaseUrl, Sent(f, "Busy.Job", 1));
            return busy.StatusCode == HttpStatusCode.ServiceUnavailable;
        }, TimeSpan.FromSeconds(8), "a 503 while the slots are held");
        var statuses = await Task.WhenAll(slow);
        var after = await IngestClient.PostAsync(Http, exporter.BaseUrl, Sent(f, "After.Job", 1));

        Assert.Multiple(() =>
        {
            Assert.That(busy!.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
            // Four are read at once (IngestEndpoint.MaxConcurrent): their bodies time out; the two beyond never got a slot.
            Assert.That(statuses.Count(s => s.Status == "408"), Is.EqualTo(4), "each slow body read is answered 408");
            Assert.That(statuses.Count(s => s.Status == "503"), Is.EqualTo(2), "those beyond the slots are told to come back");
            Assert.That(statuses.Select(s => s.Elapsed), Has.All.LessThan(TimeSpan.FromSeconds(30)));
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the slots are free again");
        });
    }

    /// <summary>Sends a POST whose body never finishes; returns the status code the exporter answers, and when.</summary>
    private static async Task<(string Status, TimeSpan Elapsed)> TrickleAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /{IngestClient.Path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{{\"v\":"));
        var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) ?? "";
        var parts = statusLine.Split(' ');
        return (parts.Length > 1 ? parts[1] : statusLine, clock.Elapsed);
    }

    [Test]
    public async Task Many_concurrent_senders_each_count_every_event_once()
    {
        await using var exporter = await IngestClient.StartExporterAsync();
        const int senders = 40, batches = 25, perBatch = 50;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = senders }) { Timeout = TimeSpan.FromSeconds(60) };

        var responses = await Task.WhenAll(Enumerable.Range(0, senders).Select(async sender =>
        {
            var f = new EventFactory("hangfire", $"pod-{sender}");
            var statuses = new List<HttpStatusCode>();
            for (var b = 0; b < batches; b++)
            {
                var response = await IngestClient.PostUntilTakenAsync(http, exporter.BaseUrl, EventJson.SerializeBatch(Sent(f, "Fan.In", perBatch)));
                statuses.Add(response.StatusCode);
            }
            return statuses;
        }));

        var m = await exporter.ScrapeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(responses.SelectMany(s => s), Has.All.EqualTo(HttpStatusCode.OK));
            Assert.That(m.Value("jobs_sent_total", ("name", "Fan.In")), Is.EqualTo(senders * batches * perBatch));
            Assert.That(Events.Applied(m), Is.EqualTo(senders * batches * perBatch));
        });
    }
}
