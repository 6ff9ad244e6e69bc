namespace JobExporter.Testing;

/// <summary>
/// The real exporter binary (src/JobExporter, as built), started as its own process on a free loopback
/// port with the given flags. It can be stopped gracefully, killed, and scraped over HTTP.
/// </summary>
public sealed class ExporterProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ServerProcess _process;

    private ExporterProcess(ServerProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");
    public Uri MetricsUrl => new(BaseUrl, "metrics");
    public bool HasExited => _process.HasExited;
    public int ProcessId => _process.Id;

    /// <summary>Everything the exporter printed so far.</summary>
    public string Output => _process.Output;

    /// <summary>Starts the exporter against a broker and waits until /healthz answers.</summary>
    public static async Task<ExporterProcess> StartAsync(Uri brokerUrl, params string[] extraArgs)
    {
        var port = FreePort.Next();
        string[] args = ["--broker.url", brokerUrl.ToString(), "--web.listen-address", $"127.0.0.1:{port}", .. extraArgs];
        return await StartWithArgsAsync(port, args);
    }

    /// <summary>
    /// Starts the exporter with exactly these arguments; <paramref name="port"/> is where it listens. <paramref name="program"/>:
    /// another build of it (the NativeAOT executable the image ships, for the benchmarks); default the built JobExporter.dll.
    /// </summary>
    public static async Task<ExporterProcess> StartWithArgsAsync(int port, IEnumerable<string> args, IDictionary<string, string>? env = null,
        string? program = null)
    {
        var exporter = new ExporterProcess(ServerProcess.StartDotnet(program ?? RepositoryPaths.ExporterDll, args, env), port);
        await exporter.WaitUntilAsync(async () => (await exporter.GetAsync("healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "/healthz to answer");
        return exporter;
    }

    public async Task<HttpResponseMessage> GetAsync(string path)
    {
        if (_process.HasExited) throw new InvalidOperationException($"The exporter exited with {_process.ExitCode}:\n{Output}");
        try
        {
            return await Http.GetAsync(new Uri(BaseUrl, path));
        }
        catch (HttpRequestException)
        {
            return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable);
        }
        catch (TaskCanceledException) when (!_process.HasExited)
        {
            // The client's own timeout (nothing else cancels it): on a starved machine an answer can take longer.
            // A wait polls again; a caller that needs the page fails on the status.
            return new HttpResponseMessage(System.Net.HttpStatusCode.GatewayTimeout) { ReasonPhrase = $"no answer within {Http.Timeout.TotalSeconds:F0} s" };
        }
    }

    /// <summary>What /readyz answers, as "status body" (for example "200 ready\n"), so an assertion shows the reason too.</summary>
    public async Task<string> ReadyzAsync()
    {
        var response = await GetAsync("readyz");
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    public async Task<MetricsSnapshot> ScrapeAsync()
    {
        var response = await GetAsync("metrics");
        response.EnsureSuccessStatusCode();
        return MetricsSnapshot.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Scrapes until the condition holds, failing with the last page after the deadline. Returns the page after the
    /// one that met it, when that one still meets it: a page is not one snapshot, so events applied while it was
    /// written can show in a family written late on it (jobs_exporter_events_total) and not yet in one written early
    /// (jobs_succeeded_total). A page begun afterwards has them in every family.
    /// </summary>
    public async Task<MetricsSnapshot> WaitForMetricsAsync(Func<MetricsSnapshot, bool> condition, TimeSpan timeout, string what)
    {
        MetricsSnapshot? last = null;
        string? failure = null;
        await WaitUntilAsync(async () =>
        {
            // A wait polls: one scrape that fails on a busy machine (a refused or cut connection) is tried again, and
            // named if the deadline passes. The scrape that returns the page must succeed.
            var response = await GetAsync("metrics");
            if (!response.IsSuccessStatusCode)
            {
                failure = $"last scrape failed: {(int)response.StatusCode} {response.ReasonPhrase}";
                return false;
            }
            last = MetricsSnapshot.Parse(await response.Content.ReadAsStringAsync());
            return condition(last);
        }, timeout, what, () => $"{failure}\n{last?.Text}");
        var next = await ScrapeAsync();
        return condition(next) ? next : last!;
    }

    /// <summary>Waits until /readyz answers 200: connected to its broker and consuming every queue it declares.</summary>
    public Task WaitUntilReadyAsync(TimeSpan timeout, string what = "/readyz") =>
        WaitUntilAsync(async () => (await GetAsync("readyz")).IsSuccessStatusCode, timeout, what);

    public Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? detail = null) =>
        Waiting.UntilAsync(condition, what, timeout, () => $"{detail?.Invoke()}\nExporter output:\n{Output}", TimeSpan.FromMilliseconds(100));

    /// <summary>Asks the exporter to stop (SIGTERM) and waits for it to exit.</summary>
    public Task StopAsync() => _process.StopAsync();

    /// <summary>Freezes the exporter (SIGSTOP): its connections stay open and silent, as in a long pause of the process.</summary>
    public void Pause() => _process.Pause();

    /// <summary>Lets a paused exporter run again (SIGCONT).</summary>
    public void Resume() => _process.Resume();

    /// <summary>Kills the exporter with SIGKILL, as a crash or an OOM kill would.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
