using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Security;

/// <summary>Many clients guessing the basic-auth password at once, while Prometheus scrapes with the right one.</summary>
public class AuthFloodTests
{
    private const string User = "prometheus";
    private const string Password = "correct horse battery staple";
    private const int Guessers = 50;

    /// <summary>Generous for a loaded 2-core machine; before the fix the scraper waited about 1 s (bcrypt at full tilt on every core).</summary>
    private static readonly TimeSpan P99Bound = TimeSpan.FromMilliseconds(250);

    [Test]
    public async Task A_flood_of_wrong_passwords_does_not_starve_a_scraper_with_the_right_one()
    {
        using var folder = new TempFolder("authflood");
        var webConfig = folder.File("web.yml");
        File.WriteAllText(webConfig, $"basic_auth_users:\n  {User}: {Bcrypt.Hash(Password)}\n");
        using var scraper = SecuredExporter.Client(null, (User, Password));
        await using var exporter = await SecuredExporter.StartAsync(["--broker.url", SharedBroker.Node.AmqpUrl.ToString(), "--web.config.file", webConfig],
            scraper, scheme: "http");
        var metrics = new Uri(exporter.BaseUrl("http"), "metrics");
        // The scraper logged in before the flood, as a Prometheus that has been scraping for a while.
        Assert.That((await scraper.GetAsync(metrics)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        using var stop = new CancellationTokenSource();
        var answers = new ConcurrentDictionary<HttpStatusCode, int>();
        using var guesser = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Guessers }) { Timeout = TimeSpan.FromSeconds(30) };
        var flood = Enumerable.Range(0, Guessers).Select(i => Task.Run(async () =>
        {
            var wrong = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:guess-{i}")));
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, metrics) { Headers = { Authorization = wrong } };
                try
                {
                    using var response = await guesser.SendAsync(request, stop.Token);
                    answers.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                }
            }
        })).ToList();

        // Once the flood is in full swing, the scraper asks every 50 ms for 15 s.
        await exporter.WaitUntilAsync(() => Task.FromResult(answers.Values.Sum() >= Guessers), "the guessers' first answers");
        var latencies = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            var one = Stopwatch.StartNew();
            var response = await scraper.GetAsync(metrics);
            latencies.Add(one.Elapsed);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        await Task.WhenAll(flood);

        latencies.Sort();
        var p50 = latencies[latencies.Count / 2];
        var p99 = latencies[(int)Math.Ceiling(latencies.Count * 0.99) - 1];
        var seconds = clock.Elapsed.TotalSeconds;
        TestContext.Out.WriteLine($"scraper: {latencies.Count} scrapes, p50 {p50.TotalMilliseconds:F0} ms, p99 {p99.TotalMilliseconds:F0} ms, " +
            $"max {latencies[^1].TotalMilliseconds:F0} ms; guessers: " +
            string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{(int)a.Key} x {a.Value} ({a.Value / seconds:F0}/s)")));
        Assert.That(answers.Keys, Is.SubsetOf(new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }), "no guess gets in");
        Assert.That(answers.GetValueOrDefault(HttpStatusCode.Unauthorized), Is.GreaterThan(0), "wrong passwords are still checked and refused");
        Assert.That(p99, Is.LessThan(P99Bound));
    }
}
