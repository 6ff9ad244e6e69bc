using System.Diagnostics;
using System.Text;

namespace JobExporter.Testing;

/// <summary>Runs a command to completion with a deadline and returns what it printed.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null,
        TimeSpan? timeout = null, string? user = null)
    {
        var info = user is null ? new ProcessStartInfo(file) : new ProcessStartInfo("runuser");
        if (user is not null)
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(user);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(file);
        }
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        if (env is not null)
        {
            foreach (var (key, value) in env) info.Environment[key] = value;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not finish in time. Output:\n{output}");
        }
        lock (output) return new Result(process.ExitCode, output.ToString());
    }
}
