using System.Net.Http.Json;
using System.Text.Json;

namespace JobExporter.Testing;

/// <summary>
/// A real Alertmanager from Debian's prometheus-alertmanager package, started on a free loopback port with the
/// given configuration, its data in a temp folder and clustering off. Alerts are posted to and read from its v2 API.
/// </summary>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/prometheus-alertmanager";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly TempFolder _folder = new("alertmanager");
    private ServerProcess? _process;

    private AlertmanagerServer()
    {
        Port = FreePort.Next();
    }

    public int Port { get; }
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>Starts Alertmanager with a copy of <paramref name="configFile"/> and waits until it is ready.</summary>
    public static async Task<AlertmanagerServer> StartAsync(string configFile)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException("alertmanager is not installed: run `make deps` (apt-get install prometheus-alertmanager).");
        }
        var server = new AlertmanagerServer();
        try
        {
            File.Copy(configFile, server._folder.File("alertmanager.yml"));
            server._process = ServerProcess.Start(Binary,
                [
                    "--config.file", server._folder.File("alertmanager.yml"),
                    "--storage.path", server._folder.File("data"),
                    "--web.listen-address", $"127.0.0.1:{server.Port}",
                    // No gossip: it would listen on a fixed port (9094) that other tests may hold.
                    "--cluster.listen-address=",
                ],
                gracefulStop: TimeSpan.FromSeconds(15));
            await server.WaitUntilAsync(async () =>
            {
                try
                {
                    return (await Http.GetAsync(new Uri(server.BaseUrl, "-/ready"))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), "Alertmanager to be ready");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Posts firing alerts, each given by its labels, as Prometheus would.</summary>
    public async Task PostAsync(params IReadOnlyDictionary<string, string>[] alerts)
    {
        var body = alerts.Select(labels => new { labels, startsAt = DateTimeOffset.UtcNow.AddMinutes(-1) }).ToArray();
        using var response = await Http.PostAsJsonAsync(new Uri(BaseUrl, "api/v2/alerts"), body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST api/v2/alerts: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Every alert Alertmanager holds, with <c>status.state</c> (active, suppressed) and <c>status.inhibitedBy</c>.</summary>
    public async Task<IReadOnlyList<JsonElement>> AlertsAsync()
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(new Uri(BaseUrl, "api/v2/alerts")));
        return doc.RootElement.EnumerateArray().Select(a => a.Clone()).ToList();
    }

    /// <summary>Polls until the condition holds, failing with Alertmanager's log after the deadline.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        _process!.WaitUntilAsync(condition, timeout, what, TimeSpan.FromMilliseconds(200));

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
        _folder.Dispose();
    }
}
