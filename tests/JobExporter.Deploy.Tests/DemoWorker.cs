using System.Diagnostics;
using System.Text;
using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>One demo worker process (src/JobExporter.Demo, as built), stopped with SIGTERM as `make run` stops it.</summary>
internal sealed class DemoWorker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DemoWorker(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static Task<DemoWorker> StartAsync(string dll, params string[] args)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"The demo workers are not built: {dll}. Run `make build`.");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return Task.FromResult(new DemoWorker(Process.Start(info)!));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Posix.Terminate(_process.Id);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}
