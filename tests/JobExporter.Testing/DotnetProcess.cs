using System.Diagnostics;
using System.Text;

namespace JobExporter.Testing;

/// <summary>
/// A built .NET program (`dotnet X.dll args`, or a native executable published ahead of time) run as its own process: its output is kept, it is stopped with SIGTERM
/// as an orchestrator would (killed if it does not exit in 20 s), or killed outright as a crash would.
/// </summary>
public sealed class DotnetProcess : IAsyncDisposable
{
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DotnetProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static DotnetProcess Start(string dll, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"Not built: {dll}. Run `make build`.");
        // A .dll runs on the shared runtime; anything else is a native executable (NativeAOT) and runs as itself.
        var managed = dll.EndsWith(".dll", StringComparison.Ordinal);
        var info = new ProcessStartInfo(managed ? "dotnet" : dll) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (managed) info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (env is not null)
        {
            foreach (var (key, value) in env) info.Environment[key] = value;
        }
        return new DotnetProcess(Process.Start(info) ?? throw new InvalidOperationException($"Could not start dotnet {dll}"));
    }

    /// <summary>Asks the process to stop (SIGTERM) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        Posix.Terminate(_process.Id);
        using var cts = new CancellationTokenSource(GracefulStop);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Kills the process with SIGKILL, as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
