using RabbitMQ.Client;

namespace JobExporter.Testing;

/// <summary>
/// A real RabbitMQ node from Debian's rabbitmq-server, started on free loopback ports with its data in a
/// temp folder and its own epmd, so that tests never touch another node. It can be stopped, killed and
/// started again on the same port and data, as a broker outage would.
/// </summary>
public sealed class RabbitMqNode : IAsyncDisposable
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string CtlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl";

    private readonly TempFolder _folder = new("rabbitmq");
    private readonly Dictionary<string, string> _env;
    private ServerProcess? _server;

    private readonly ClusterMembership? _cluster;

    private RabbitMqNode(RabbitMqTls? tls, ClusterMembership? cluster = null)
    {
        _cluster = cluster;
        Port = FreePort.Next();
        NodeName = $"jx{Port}@localhost";
        // Nodes of one cluster find each other through one epmd; a lone node has its own.
        var epmdPort = cluster?.EpmdPort ?? FreePort.Next();
        var config = $"listeners.tcp.default = 127.0.0.1:{Port}\nloopback_users = none\n";
        if (tls is not null)
        {
            TlsPort = FreePort.Next();
            config += $"""
                listeners.ssl.default = 127.0.0.1:{TlsPort}
                ssl_options.cacertfile = {tls.CaFile}
                ssl_options.certfile = {tls.CertFile}
                ssl_options.keyfile = {tls.KeyFile}
                ssl_options.verify = {(tls.RequireClientCertificate ? "verify_peer" : "verify_none")}
                ssl_options.fail_if_no_peer_cert = {(tls.RequireClientCertificate ? "true" : "false")}

                """;
        }
        File.WriteAllText(_folder.File("rabbitmq.conf"), config);
        File.WriteAllText(_folder.File("enabled_plugins"), "[].\n");
        _env = new Dictionary<string, string>
        {
            ["HOME"] = _folder.Path,
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_PORT"] = Port.ToString(),
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_DIST_PORT"] = FreePort.Next().ToString(),
            ["ERL_EPMD_PORT"] = epmdPort.ToString(),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_MNESIA_BASE"] = _folder.File("mnesia"),
            ["RABBITMQ_LOG_BASE"] = _folder.File("log"),
            ["RABBITMQ_PID_FILE"] = _folder.File("rabbitmq.pid"),
            ["RABBITMQ_CONFIG_FILE"] = _folder.File("rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = _folder.File("enabled_plugins"),
        };
        EpmdPort = epmdPort;
    }

    public int Port { get; }

    /// <summary>The amqps:// port when the node was started with TLS, else 0.</summary>
    public int TlsPort { get; }
    public int EpmdPort { get; }
    public string NodeName { get; }
    public Uri AmqpUrl => new($"amqp://guest:guest@127.0.0.1:{Port}/");

    /// <summary>The TLS listener's URL (the server certificate must name 127.0.0.1).</summary>
    public Uri AmqpsUrl => TlsPort > 0 ? new($"amqps://guest:guest@127.0.0.1:{TlsPort}/") : throw new InvalidOperationException("The node has no TLS listener.");
    public bool IsRunning => _server is { HasExited: false };

    /// <summary>Starts a node; with <paramref name="tls"/>, it also listens for amqps:// on <see cref="TlsPort"/>.</summary>
    public static Task<RabbitMqNode> StartAsync(RabbitMqTls? tls = null) => StartAsync(tls, null);

    /// <summary>Starts a node that can join the other nodes of <paramref name="cluster"/> (see <see cref="RabbitMqCluster"/>).</summary>
    internal static async Task<RabbitMqNode> StartAsync(RabbitMqTls? tls, ClusterMembership? cluster)
    {
        if (!File.Exists(ServerScript))
        {
            throw new InvalidOperationException("rabbitmq-server is not installed: run `make deps` (apt-get install rabbitmq-server).");
        }
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var node = new RabbitMqNode(tls, cluster);
            try
            {
                await node.StartAgainAsync();
                return node;
            }
            catch (Exception ex)
            {
                // A node that failed to start may still be running (rabbitmqctl's wait timed out): stop it either way,
                // so that no Erlang VM outlives the test run.
                await node.DisposeAsync();
                // Most often a port taken between our check and the node's bind: try again on fresh ports.
                if (ex is not NodeExitedException || attempt >= attempts) throw;
            }
        }
    }

    /// <summary>Starts the node (again) on the same port and data folder.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning) return;
        File.Delete(_env["RABBITMQ_PID_FILE"]);
        // Written before the node and rabbitmqctl start: each would otherwise create the missing file with its own random
        // cookie at the same moment, and rabbitmqctl's "wait" was then refused ("Invalid challenge reply") until it timed out.
        WriteCookie(_cluster?.Cookie ?? Convert.ToHexString(Guid.NewGuid().ToByteArray()));
        if (_server is not null) await _server.DisposeAsync();
        _server = ServerProcess.Start(ServerScript, [], _env, gracefulStop: TimeSpan.FromSeconds(30));
        var wait = CtlAsync(TimeSpan.FromSeconds(90), "wait", _env["RABBITMQ_PID_FILE"], "--timeout", "80");
        var exited = _server.WaitForExitAsync();
        if (await Task.WhenAny(wait, exited) == exited)
        {
            throw new NodeExitedException($"RabbitMQ node {NodeName} exited with {_server.ExitCode} while starting:\n{ServerOutput}\n{ReadLog()}");
        }
        if ((await wait).ExitCode != 0)
        {
            throw new InvalidOperationException($"RabbitMQ node {NodeName} did not start:\n{(await wait).Output}\n{ServerOutput}\n{ReadLog()}");
        }
    }

    /// <summary>Stops the node gracefully (as an operator would), keeping its data.</summary>
    public async Task StopAsync()
    {
        if (!IsRunning) return;
        await CtlAsync(TimeSpan.FromSeconds(60), "stop");
        await _server!.WaitForExitOrKillAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Kills the node with SIGKILL, as a crash would, keeping its data.</summary>
    public Task KillAsync() => _server?.KillAsync() ?? Task.CompletedTask;

    public Task<ProcessRunner.Result> CtlAsync(TimeSpan timeout, params string[] args) =>
        ProcessRunner.RunAsync(CtlScript, ["-n", NodeName, .. args], _env, timeout);

    /// <summary>Runs rabbitmqctl against this node and returns what it printed; a non-zero exit is an exception.</summary>
    public async Task<string> CtlOrThrowAsync(params string[] args)
    {
        var result = await CtlAsync(TimeSpan.FromSeconds(120), args);
        return result.ExitCode == 0
            ? result.Output
            : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} on {NodeName} exited with {result.ExitCode}:\n{result.Output}");
    }

    /// <summary>Ready messages in a queue, or -1 when the queue does not exist.</summary>
    public async Task<long> QueueLengthAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = AmqpUrl };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue);
            return ok.MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return -1;
        }
    }

    /// <summary>Ready messages and consumers of a queue, or null when the queue does not exist.</summary>
    public async Task<(long Messages, long Consumers)?> QueueStateAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = AmqpUrl };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue);
            return (ok.MessageCount, ok.ConsumerCount);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return null;
        }
    }

    /// <summary>What rabbitmq-server printed since it was last started (the last 4,000 characters).</summary>
    public string ServerOutput => _server?.OutputTail(4000) ?? "";

    public string ReadLog()
    {
        var logs = Directory.Exists(_env["RABBITMQ_LOG_BASE"]) ? Directory.GetFiles(_env["RABBITMQ_LOG_BASE"], "*.log") : [];
        return string.Join("\n", logs.Select(f =>
        {
            var text = File.ReadAllText(f);
            return text.Length > 4000 ? text[^4000..] : text;
        }));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            await KillAsync();
        }
        // Our private epmd outlives the node; end it too so nothing is left behind (a cluster's is the cluster's to end).
        if (_cluster is null) await KillEpmdAsync(EpmdPort);
        if (_server is not null) await _server.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>Ends the epmd listening on <paramref name="port"/>, which every node started with that port shared.</summary>
    internal static Task KillEpmdAsync(int port) =>
        ProcessRunner.RunAsync("/usr/bin/epmd", ["-kill"], new Dictionary<string, string> { ["ERL_EPMD_PORT"] = port.ToString() }, TimeSpan.FromSeconds(10))
            .ContinueWith(_ => { });

    // Erlang nodes (and rabbitmqctl) talk only to nodes with the same cookie, read from $HOME, owner-read-only. A node
    // started again keeps the cookie it had.
    private void WriteCookie(string cookie)
    {
        var path = System.IO.Path.Combine(_folder.Path, ".erlang.cookie");
        if (File.Exists(path)) return;
        File.WriteAllText(path, cookie);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead);
    }
}

/// <summary>The node's process ended before it was ready: it can be started again on fresh ports.</summary>
internal sealed class NodeExitedException(string message) : Exception(message);

/// <summary>What the nodes of one cluster share: the epmd they register with and the Erlang cookie.</summary>
internal sealed record ClusterMembership(int EpmdPort, string Cookie);

/// <summary>PEM files of a TLS listener: the CA that client certificates must chain to, the server's certificate and key.</summary>
public sealed record RabbitMqTls(string CaFile, string CertFile, string KeyFile, bool RequireClientCertificate = true);
