using System.Diagnostics;
using JobExporter.Testing;

namespace JobExporter.Benchmarks;

/// <summary>
/// How many events a consumer had counted at a moment, in seconds of the consumer's own monotonic clock (only differences
/// between its moments are used). <paramref name="ReachedAt"/>: the moment is when the count reached this value (its last
/// event); otherwise only that the count was this value then.
/// </summary>
internal readonly record struct Progress(long Count, double Seconds, bool ReachedAt);

/// <summary>A consumer process under measurement: how many events it has taken so far, and its pid for /proc.</summary>
internal interface IConsumerProcess : IAsyncDisposable
{
    string Name { get; }
    int Pid { get; }
    Task<Progress> ProgressAsync();
}

/// <summary>
/// The real exporter binary; its count is jobs_exporter_events_total, read by scraping /metrics, and the moment it was read is
/// the page's jobs_exporter_uptime_seconds (the exporter's monotonic clock, read as the page is rendered), so that how long
/// a scrape waits for an answer on a busy machine does not count.
/// </summary>
internal sealed class ExporterConsumer(ExporterProcess process) : IConsumerProcess
{
    public string Name => "exporter";
    public int Pid => process.ProcessId;
    public ExporterProcess Process => process;

    public static Task<ExporterConsumer> StartAsync(Uri broker, string queue, params string[] extra) => StartBuildAsync(Program, null, broker, queue, extra);

    /// <summary>Starts a given build of the exporter (null: the JIT build), with more environment (null: none).</summary>
    public static Task<ExporterConsumer> StartBuildAsync(string? program, IReadOnlyDictionary<string, string>? environment, Uri broker, string queue,
        params string[] extra) => StartWithArgsAsync(program, environment, broker, ["--broker.queue", queue, .. extra]);

    /// <summary>Starts a given build of the exporter with these flags besides the broker URL and listen address.</summary>
    public static async Task<ExporterConsumer> StartWithArgsAsync(string? program, IReadOnlyDictionary<string, string>? environment, Uri broker,
        IEnumerable<string> flags)
    {
        var port = FreePort.Next();
        string[] args = ["--broker.url", broker.ToString(), "--web.listen-address", $"127.0.0.1:{port}", .. flags];
        var env = ExtraEnvironment();
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) env.TryAdd(key, value);
        // The JIT build reads the gen0 budget cap only from the environment (the NativeAOT build has it compiled in).
        if (program is null || program.EndsWith(".dll", StringComparison.Ordinal))
        {
            foreach (var (key, value) in ExporterGcSettings.Environment()) env.TryAdd(key, value);
        }
        var exporter = await ExporterProcess.StartWithArgsAsync(port, args, env, program);
        return new ExporterConsumer(exporter);
    }

    /// <summary>
    /// The exporter build under measurement: BENCH_EXPORTER=path runs that executable or .dll (scripts/bench.sh publishes the
    /// NativeAOT executable the image ships and passes it); unset, the JIT build src/JobExporter/bin/Release/net10.0/JobExporter.dll.
    /// </summary>
    public static string? Program => Environment.GetEnvironmentVariable("BENCH_EXPORTER") is { Length: > 0 } path ? Path.GetFullPath(path, RepositoryPaths.Root) : null;

    /// <summary>How the report names the build: "NativeAOT" for a native executable, else "JIT".</summary>
    public static string BuildName => Program is { } p && !p.EndsWith(".dll", StringComparison.Ordinal) ? "NativeAOT" : "JIT (dotnet JobExporter.dll)";

    /// <summary>
    /// BENCH_EXPORTER_ENV="DOTNET_gcServer=1;DOTNET_GCgen0size=0x1000000" runs the exporter with runtime settings other than
    /// its own, to compare them; the report then says which were used.
    /// </summary>
    public static Dictionary<string, string> ExtraEnvironment() =>
        (Environment.GetEnvironmentVariable("BENCH_EXPORTER_ENV") ?? "")
        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "");

    public async Task<Progress> ProgressAsync()
    {
        var page = await Scraper.GetAsync(process.MetricsUrl);
        return new Progress(page.EventsApplied, page.Sum("jobs_exporter_uptime_seconds"), ReachedAt: false);
    }

    public async ValueTask DisposeAsync() => await process.DisposeAsync();
}

/// <summary>
/// The <see cref="BareConsumer"/>, run as its own process with the exporter's GC settings (workstation, not concurrent, the gen0 budget cap); its
/// progress is the last "count N at T" line it printed, T being when its count reached N.
/// </summary>
internal sealed class BareConsumerProcess : IConsumerProcess
{
    private readonly Process _process;
    private Progress _progress;

    private BareConsumerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && BareConsumer.TryParseCountLine(line, out var progress))
            {
                lock (_process) _progress = progress;
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) Console.Error.WriteLine($"bare-consumer: {e.Data}");
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name => "bare consumer";
    public int Pid => _process.Id;

    /// <param name="payload">How the bare consumer reads each message: <see cref="BareConsumer.Payload"/>.</param>
    public static BareConsumerProcess Start(Uri broker, string queue, BareConsumer.Payload payload, int prefetch = 1000) =>
        StartMode("bare-consumer", broker.ToString(), queue, prefetch.ToString(System.Globalization.CultureInfo.InvariantCulture), payload.ToString());

    /// <summary>Runs this program in one of its baseline modes (its first argument), with that mode's arguments.</summary>
    public static BareConsumerProcess StartMode(string mode, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(typeof(BareConsumer).Assembly.Location);
        info.ArgumentList.Add(mode);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // The exporter's own GC settings (src/JobExporter/JobExporter.csproj): workstation, not concurrent, the gen0 budget cap.
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_gcConcurrent"] = "0";
        foreach (var (key, value) in ExporterGcSettings.Environment()) info.Environment[key] = value;
        return new BareConsumerProcess(Process.Start(info)!);
    }

    public Task<Progress> ProgressAsync()
    {
        if (_process.HasExited) throw new InvalidOperationException($"the bare consumer exited with {_process.ExitCode}");
        lock (_process) return Task.FromResult(_progress);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Posix.Terminate(_process.Id);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }
}
