using System.Diagnostics;
using System.Text;

namespace JobExporter.Testing;

/// <summary>
/// A long-running process a test started (a server, a worker, the exporter). Its stdout and stderr are kept for error
/// messages. It is ended by its own pid only: stopped with SIGTERM as an orchestrator would (killed with its children if
/// it has not exited within its grace period), or killed outright as a crash would.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultGracefulStop = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TimeSpan _gracefulStop;

    private ServerProcess(string name, Process process, TimeSpan gracefulStop)
    {
        Name = name;
        _process = process;
        _gracefulStop = gracefulStop;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The program's file name, for messages.</summary>
    public string Name { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The last <paramref name="characters"/> of <see cref="Output"/>, for messages about a chatty server.</summary>
    public string OutputTail(int characters = 6000)
    {
        lock (_output) return _output.Length > characters ? _output.ToString(_output.Length - characters, characters) : _output.ToString();
    }

    /// <summary>Starts <paramref name="file"/>; <paramref name="gracefulStop"/> is how long <see cref="StopAsync"/> waits after SIGTERM (default 20 s).</summary>
    public static ServerProcess Start(string file, IEnumerable<string> args, IDictionary<string, string>? env = null,
        string? workingDirectory = null, TimeSpan? gracefulStop = null, string? name = null)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (env is not null)
        {
            foreach (var (key, value) in env) info.Environment[key] = value;
        }
        name ??= Path.GetFileName(file);
        return new ServerProcess(name, Process.Start(info) ?? throw new InvalidOperationException($"Could not start {name}"), gracefulStop ?? DefaultGracefulStop);
    }

    /// <summary>A built .NET program: `dotnet X.dll args`, or a native executable published ahead of time, which runs as itself.</summary>
    public static ServerProcess StartDotnet(string program, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        if (!File.Exists(program)) throw new FileNotFoundException($"Not built: {program}. Run `make build`.");
        return program.EndsWith(".dll", StringComparison.Ordinal)
            ? Start("dotnet", [program, .. args], env, name: Path.GetFileName(program))
            : Start(program, args, env);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with the output when the process exits first or the deadline passes.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? poll = null) =>
        Waiting.UntilAsync(async () => await condition() || (_process.HasExited
                ? throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while waiting for {what}:\n{OutputTail()}")
                : false),
            what, timeout, () => $"{Name} output:\n{OutputTail()}", poll ?? TimeSpan.FromMilliseconds(100));

    public Task WaitForExitAsync() => _process.WaitForExitAsync();

    /// <summary>Waits for the process to exit on its own (asked by a signal or a command); kills it if it has not within <paramref name="timeout"/>.</summary>
    public async Task WaitForExitOrKillAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    /// <summary>Asks the process to stop (SIGTERM) and waits for it to exit, killing it after the grace period.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        // A paused process would not act on SIGTERM until its grace period ran out.
        Posix.Resume(_process.Id);
        Posix.Terminate(_process.Id);
        await WaitForExitOrKillAsync(_gracefulStop);
    }

    /// <summary>Freezes the process with SIGSTOP: it holds its sockets and does nothing until <see cref="Resume"/>.</summary>
    public void Pause() => Posix.Pause(_process.Id);

    /// <summary>Lets a paused process run again (SIGCONT).</summary>
    public void Resume() => Posix.Resume(_process.Id);

    /// <summary>Kills the process and its children with SIGKILL, as a crash or an OOM kill would.</summary>
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
