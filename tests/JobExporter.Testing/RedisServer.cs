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

    private RedisServer()
    {
        Port = FreePort.Next();
    }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=5000";

    /// <summary>Everything the server logged so far.</summary>
    public string Output => _process?.Output ?? "";

    public static async Task<RedisServer> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException("redis-server is not installed: run `make deps` (apt-get install redis-server).");
        }
        var server = new RedisServer();
        try
        {
            server._process = ServerProcess.Start(Binary,
                [
                    "--port", server.Port.ToString(), "--bind", "127.0.0.1", "--dir", server._folder.Path,
                    "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                ],
                workingDirectory: server._folder.Path, gracefulStop: TimeSpan.FromSeconds(15));
            await server._process.WaitUntilAsync(server.AnswersPingAsync, TimeSpan.FromSeconds(30), "redis-server to answer PING",
                TimeSpan.FromMilliseconds(50));
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
}
