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
    private ServerProcess? _process;

    private readonly TestPki? _tls;
    private readonly string? _password;

    private RedisServer(TestPki? tls, string? password)
    {
        Port = FreePort.Next();
        _tls = tls;
        _password = password;
        PlainPort = tls is null ? Port : FreePort.Next();
    }

    /// <summary>The port clients use: TLS only when started with a <see cref="TestPki"/>.</summary>
    public int Port { get; }

    /// <summary>A plain-text port for the fixture's own commands (the same as <see cref="Port"/> without TLS).</summary>
    public int PlainPort { get; }

    /// <summary>The server as Celery and the exporter name it, with database <paramref name="database"/>.</summary>
    public string Url(int database = 0) => $"{(_tls is null ? "redis" : "rediss")}://127.0.0.1:{Port}/{database}";

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=5000";

    /// <summary>Everything the server logged so far.</summary>
    public string Output => _process?.Output ?? "";

    /// <summary>
    /// Starts a server; with <paramref name="tls"/> its <see cref="Port"/> takes TLS only (the PKI's server certificate,
    /// client certificates signed by its CA required), with <paramref name="password"/> it requires AUTH.
    /// </summary>
    public static async Task<RedisServer> StartAsync(TestPki? tls = null, string? password = null)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException("redis-server is not installed: run `make deps` (apt-get install redis-server).");
        }
        var server = new RedisServer(tls, password);
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

    /// <summary>Stops the server (SIGTERM, then killed): its clients' connections close.</summary>
    public async Task StopAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
        _process = null;
    }

    /// <summary>Starts a stopped server again on the same port, empty: with <see cref="StopAsync"/>, what its clients see as a restart.</summary>
    public Task StartAgainAsync() => StartProcessAsync();

    /// <summary>Freezes redis-server (SIGSTOP): its sockets stay open and it answers nothing until <see cref="Resume"/>.</summary>
    public void Pause() => (_process ?? throw new InvalidOperationException("redis-server is not running")).Pause();

    /// <summary>Lets a paused redis-server run again (SIGCONT).</summary>
    public void Resume() => _process?.Resume();

    /// <summary>PUBLISH, as kombu's <c>_put_fanout</c> does; returns how many subscribers got it.</summary>
    public async Task<long> PublishAsync(string channel, string data)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync("127.0.0.1", PlainPort, timeout.Token);
        var stream = client.GetStream();
        string[] parts = _password is null ? ["PUBLISH", channel, data] : ["AUTH", _password];
        var command = new StringBuilder();
        void Write(string[] items)
        {
            command.Append('*').Append(items.Length).Append("\r\n");
            foreach (var item in items) command.Append('$').Append(Encoding.UTF8.GetByteCount(item)).Append("\r\n").Append(item).Append("\r\n");
        }
        Write(parts);
        if (_password is not null) Write(["PUBLISH", channel, data]);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command.ToString()), timeout.Token);
        var answer = "";
        var buffer = new byte[256];
        while (!answer.Contains(':'))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0) throw new IOException("redis-server closed the connection");
            answer += Encoding.ASCII.GetString(buffer, 0, read);
        }
        var line = answer[answer.IndexOf(':')..].Split("\r\n")[0];
        return long.Parse(line[1..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Sends one command in the inline protocol and returns the first line of the answer (<c>CLIENT KILL TYPE pubsub</c>, ...).</summary>
    public async Task<string> CommandAsync(string inline)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync("127.0.0.1", PlainPort, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(inline + "\r\n"), timeout.Token);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
    }

    /// <summary>
    /// Closes the connections of the clients named <paramref name="name"/> (CLIENT SETNAME), as Redis does to a pub/sub client
    /// past its output buffer limit; returns how many were closed.
    /// </summary>
    public async Task<int> KillClientsAsync(string name)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync("127.0.0.1", PlainPort, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync("CLIENT LIST\r\n"u8.ToArray(), timeout.Token);
        var answer = new StringBuilder();
        var buffer = new byte[16384];
        // A bulk string: $length CRLF, the text, CRLF.
        while (!(answer.Length > 0 && answer.ToString().IndexOf("\r\n", StringComparison.Ordinal) is var header and > 0
                 && answer.Length >= header + 4 + int.Parse(answer.ToString(1, header - 1), System.Globalization.CultureInfo.InvariantCulture)))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0) throw new IOException("redis-server closed the connection");
            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        var killed = 0;
        foreach (var line in answer.ToString().Split('\n').Where(l => l.Contains($" name={name} ", StringComparison.Ordinal)))
        {
            var id = line.Split(' ').First(f => f.StartsWith("id=", StringComparison.Ordinal))[3..];
            if (await CommandAsync($"CLIENT KILL ID {id}") == ":1") killed++;
        }
        return killed;
    }

    private async Task StartProcessAsync()
    {
        string[] tls = _tls is null ? [] :
        [
            "--tls-port", Port.ToString(), "--tls-cert-file", _tls.ServerCertFile, "--tls-key-file", _tls.ServerKeyFile,
            "--tls-ca-cert-file", _tls.CaFile, "--tls-auth-clients", "yes",
        ];
        _process = ServerProcess.Start(Binary,
            [
                "--port", PlainPort.ToString(), "--bind", "127.0.0.1", "--dir", _folder.Path,
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                .. tls, .. _password is null ? Array.Empty<string>() : ["--requirepass", _password],
            ],
            workingDirectory: _folder.Path, gracefulStop: TimeSpan.FromSeconds(15));
        await _process.WaitUntilAsync(AnswersPingAsync, TimeSpan.FromSeconds(30), "redis-server to answer PING", TimeSpan.FromMilliseconds(50));
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
        _folder.Dispose();
    }

    // PING in the inline protocol, so that the fixture needs no Redis client.
    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", PlainPort, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var answer = Encoding.ASCII.GetString(buffer, 0, read);
            return answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
