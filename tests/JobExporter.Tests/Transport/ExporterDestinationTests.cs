using System.Net;
using JobExporter.Transport.Http;

namespace JobExporter.Tests.Transport;

/// <summary>
/// What the HTTP transport knows of each exporter it posts to: whether it takes batches now, and the events it has not
/// acknowledged, so that one slow or absent exporter of a pair shows apart from the other.
/// </summary>
public class ExporterDestinationTests
{
    // A batch of two events, as the publisher would post it (its contents do not matter to the transport).
    private static readonly byte[] Batch = "[{\"n\":1},{\"n\":2}]"u8.ToArray();

    [Test]
    public async Task Opening_probes_every_exporter_and_an_absent_one_reads_unreachable_before_any_event_is_sent()
    {
        var exporters = new Exporters { ["up"] = HttpStatusCode.OK, ["off"] = HttpStatusCode.NotFound };
        var transport = exporters.Transport();
        await using var connection = await transport.OpenAsync(CancellationToken.None);

        Assert.That(transport.Exporters.Select(e => (e.Name, e.IsReachable, e.Unacknowledged)), Is.EqualTo(new[]
        {
            ("http://up:9821/", true, 0L),
            ("http://off:9821/", false, 0L),
        }));
        Assert.That(exporters.Probes, Is.EquivalentTo(new[] { "up", "off" }));
    }

    [Test]
    public void Opening_fails_when_not_one_exporter_takes_batches()
    {
        var transport = new Exporters { ["a"] = HttpStatusCode.ServiceUnavailable, ["b"] = HttpStatusCode.Unauthorized }.Transport();

        Assert.That(async () => await transport.OpenAsync(CancellationToken.None), Throws.InstanceOf<HttpRequestException>());
        Assert.That(transport.Exporters.Select(e => e.IsReachable), Is.EqualTo(new[] { false, false }));
    }

    [Test]
    public async Task A_slow_exporter_alone_holds_the_events_in_flight_to_it()
    {
        var exporters = new Exporters { ["fast"] = HttpStatusCode.OK, ["slow"] = HttpStatusCode.OK };
        var transport = exporters.Transport();
        await using var connection = await transport.OpenAsync(CancellationToken.None);
        var slowAnswer = exporters.Hold("slow");

        var publish = connection.PublishAsync("k", Batch, 2, CancellationToken.None).AsTask();
        await exporters.PostedAsync("fast", "slow");
        await WaitAsync(() => transport.Exporters[0].Unacknowledged == 0);

        Assert.That(publish.IsCompleted, Is.False, "acknowledged only when both took it");
        Assert.That(transport.Exporters.Select(e => e.Unacknowledged), Is.EqualTo(new[] { 0L, 2L }));
        slowAnswer.SetResult(HttpStatusCode.OK);
        await publish;
        Assert.That(transport.Exporters.Select(e => (e.Unacknowledged, e.IsReachable)), Is.EqualTo(new[] { (0L, true), (0L, true) }));
    }

    [Test]
    public async Task Events_an_exporter_failed_stay_pending_for_it_alone_until_a_new_connection_sends_them_again()
    {
        var exporters = new Exporters { ["up"] = HttpStatusCode.OK, ["flaky"] = HttpStatusCode.OK };
        var transport = exporters.Transport();
        await using (var connection = await transport.OpenAsync(CancellationToken.None))
        {
            exporters["flaky"] = HttpStatusCode.ServiceUnavailable;
            Assert.That(async () => await connection.PublishAsync("k", Batch, 2, CancellationToken.None), Throws.InstanceOf<HttpRequestException>());
        }
        Assert.That(transport.Exporters.Select(e => (e.Name, e.IsReachable, e.Unacknowledged)), Is.EqualTo(new[]
        {
            ("http://up:9821/", true, 0L),
            ("http://flaky:9821/", false, 2L),
        }));

        exporters["flaky"] = HttpStatusCode.OK;
        await using var again = await transport.OpenAsync(CancellationToken.None);
        Assert.That(transport.Exporters.Select(e => (e.IsReachable, e.Unacknowledged)), Is.EqualTo(new[] { (true, 0L), (true, 0L) }),
            "the publisher sends what failed first on the new connection: in flight from then on, not failed");
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition()) await Task.Delay(5, timeout.Token);
    }

    /// <summary>Exporters by host name, each answering with its status (or, once held, when the test says).</summary>
    private sealed class Exporters : HttpMessageHandler
    {
        private readonly Dictionary<string, HttpStatusCode> _answers = [];
        private readonly Dictionary<string, TaskCompletionSource<HttpStatusCode>> _held = [];
        private readonly List<string> _posted = [];

        public List<string> Probes { get; } = [];

        public HttpStatusCode this[string host]
        {
            set
            {
                lock (_answers) _answers[host] = value;
            }
        }

        public HttpEventTransport Transport()
        {
            List<string> hosts;
            lock (_answers) hosts = [.. _answers.Keys];
            return new(hosts.Select(h => new ExporterEndpoint(new Uri($"http://{h}:9821/"))).ToList(), new HttpClient(this));
        }

        /// <summary>From now on the host answers batches (not probes) only when the returned source is set.</summary>
        public TaskCompletionSource<HttpStatusCode> Hold(string host)
        {
            var held = new TaskCompletionSource<HttpStatusCode>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_answers) _held[host] = held;
            return held;
        }

        public async Task PostedAsync(params string[] hosts)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                lock (_answers)
                {
                    if (hosts.All(_posted.Contains)) return;
                }
                await Task.Delay(5, timeout.Token);
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var host = request.RequestUri!.Host;
            var probe = await request.Content!.ReadAsStringAsync(cancellationToken) == "[]";
            Task<HttpStatusCode> answer;
            lock (_answers)
            {
                (probe ? Probes : _posted).Add(host);
                answer = !probe && _held.TryGetValue(host, out var held) ? held.Task : Task.FromResult(_answers[host]);
            }
            return new HttpResponseMessage(await answer.WaitAsync(cancellationToken));
        }
    }
}
