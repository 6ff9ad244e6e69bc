using System.Text;
using System.Text.Json;

namespace JobExporter.Testing;

/// <summary>
/// A real Prometheus from Debian's prometheus package, started on a free loopback port with its TSDB in a
/// temp folder, fast scrape and rule evaluation, the given rule files and scrape targets. Queried through
/// its HTTP API.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/prometheus";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly TempFolder _folder = new("prometheus");
    private ServerProcess? _process;

    private PrometheusServer()
    {
        Port = FreePort.Next();
    }

    public int Port { get; }
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>Everything Prometheus logged so far.</summary>
    public string Output => _process?.Output ?? "";

    /// <summary>Starts Prometheus and waits until it is ready.</summary>
    /// <param name="scrapeTargets">job name to host:port targets.</param>
    /// <param name="ruleFiles">rule files to load (copied into the server's folder).</param>
    /// <param name="interval">scrape and evaluation interval; default 1 s.</param>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, string[]> scrapeTargets,
        IEnumerable<string> ruleFiles, TimeSpan? interval = null)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException("prometheus is not installed: run `make deps` (apt-get install prometheus).");
        }
        var server = new PrometheusServer();
        try
        {
            await server.StartProcessAsync(scrapeTargets, ruleFiles, interval ?? TimeSpan.FromSeconds(1));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An instant query; returns the <c>data</c> object, throws with Prometheus's error otherwise.</summary>
    public async Task<JsonElement> QueryAsync(string expr)
    {
        var url = new Uri(BaseUrl, "api/v1/query?query=" + Uri.EscapeDataString(expr));
        return await GetDataAsync(url);
    }

    /// <summary>The result array of an instant query (vector samples).</summary>
    public async Task<IReadOnlyList<JsonElement>> QueryVectorAsync(string expr)
    {
        var data = await QueryAsync(expr);
        return data.GetProperty("result").ValueKind == JsonValueKind.Array
            ? data.GetProperty("result").EnumerateArray().ToList()
            : [data.GetProperty("result")];
    }

    /// <summary><c>/api/v1/rules</c>: the loaded groups with each rule's health and last error.</summary>
    public Task<JsonElement> RulesAsync() => GetDataAsync(new Uri(BaseUrl, "api/v1/rules"));

    /// <summary><c>/api/v1/alerts</c>: pending and firing alerts.</summary>
    public async Task<IReadOnlyList<JsonElement>> AlertsAsync() =>
        (await GetDataAsync(new Uri(BaseUrl, "api/v1/alerts"))).GetProperty("alerts").EnumerateArray().ToList();

    /// <summary><c>/api/v1/targets</c>: active targets with their health.</summary>
    public async Task<IReadOnlyList<JsonElement>> TargetsAsync() =>
        (await GetDataAsync(new Uri(BaseUrl, "api/v1/targets"))).GetProperty("activeTargets").EnumerateArray().ToList();

    /// <summary>Polls until the condition holds, failing with Prometheus's log after the deadline.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        _process!.WaitUntilAsync(condition, timeout, what, TimeSpan.FromMilliseconds(200));

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
        _folder.Dispose();
    }

    private async Task StartProcessAsync(IReadOnlyDictionary<string, string[]> scrapeTargets, IEnumerable<string> ruleFiles, TimeSpan interval)
    {
        var rules = new List<string>();
        foreach (var file in ruleFiles)
        {
            var copy = _folder.File($"rules-{rules.Count}-{Path.GetFileName(file)}");
            File.Copy(file, copy);
            rules.Add(copy);
        }
        var seconds = $"{Math.Max(1, (int)interval.TotalSeconds)}s";
        var config = new StringBuilder();
        config.AppendLine($"global:\n  scrape_interval: {seconds}\n  scrape_timeout: {seconds}\n  evaluation_interval: {seconds}");
        config.AppendLine("rule_files:");
        foreach (var rule in rules) config.AppendLine($"  - '{rule}'");
        config.AppendLine("scrape_configs:");
        foreach (var (job, targets) in scrapeTargets)
        {
            config.AppendLine($"  - job_name: '{job}'\n    static_configs:\n      - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]");
        }
        File.WriteAllText(_folder.File("prometheus.yml"), config.ToString());

        _process = ServerProcess.Start(Binary,
            [
                "--config.file", _folder.File("prometheus.yml"),
                "--storage.tsdb.path", _folder.File("data"),
                "--web.listen-address", $"127.0.0.1:{Port}",
                "--web.console.templates", _folder.File("consoles"),
                "--web.console.libraries", _folder.File("console_libraries"),
            ],
            gracefulStop: TimeSpan.FromSeconds(15));
        await WaitUntilAsync(async () =>
        {
            try
            {
                return (await Http.GetAsync(new Uri(BaseUrl, "-/ready"))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "Prometheus to be ready");
    }

    private static async Task<JsonElement> GetDataAsync(Uri url)
    {
        using var response = await Http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(body);
        if (doc.RootElement.GetProperty("status").GetString() != "success")
        {
            throw new PrometheusQueryException($"{url.PathAndQuery}: {doc.RootElement.GetProperty("errorType").GetString()}: {doc.RootElement.GetProperty("error").GetString()}");
        }
        return doc.RootElement.GetProperty("data").Clone();
    }

}

/// <summary>Prometheus answered an API call with an error (bad expression, execution error).</summary>
public sealed class PrometheusQueryException(string message) : Exception(message);
