using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace JobExporter.Testing;

/// <summary>
/// A real Redis from Debian's redis-server package, started on a free loopback port with its working folder in a temp
/// folder and nothing saved to disk, so that tests never touch another instance. Ready once it answers PING; stopped
/// (SIGTERM, then killed) and its folder deleted on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/redis-server";

    private readonly TempFolder _folder = new("redis");
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServer()
    {
        Port = FreePort.Next();
    }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=5000";

    /// <summary>Everything the server logged so far.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<RedisServer> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException("redis-server is not installed: run `make deps` (apt-get install redis-server).");
        }
        var server = new RedisServer();
        try
        {
            await server.StartProcessAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            Posix.Terminate(_process.Id);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process?.Dispose();
        _folder.Dispose();
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(Binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _folder.Path,
        };
        foreach (var arg in new[]
                 {
                     "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", _folder.Path,
                     "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                 })
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("Could not start redis-server");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (!await AnswersPingAsync())
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}:\n{Output}");
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"redis-server did not answer PING within 30 s:\n{Output}");
            await Task.Delay(50);
        }
    }

    // PING in the inline protocol, so that the fixture needs no Redis client.
    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
