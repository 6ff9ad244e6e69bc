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

    // The node's files, environment and cookie are laid out by the script `make run` uses too: one owner of that layout.
    private static readonly string NodeScript = System.IO.Path.Combine(RepositoryPaths.Root, "scripts", "rabbitmq-node.sh");

    private readonly TempFolder _folder = new("rabbitmq");
    private readonly RabbitMqTls? _tls;
    private readonly ClusterMembership? _cluster;
    private Dictionary<string, string> _env = [];
    private ServerProcess? _server;

    private RabbitMqNode(RabbitMqTls? tls, ClusterMembership? cluster = null)
    {
        _tls = tls;
        _cluster = cluster;
        Port = FreePort.Next();
        if (tls is not null) TlsPort = FreePort.Next();
        // Nodes of one cluster find each other through one epmd; a lone node has its own.
        EpmdPort = cluster?.EpmdPort ?? FreePort.Next();
    }

    /// <summary>Writes the node's configuration, environment and cookie into its folder (scripts/rabbitmq-node.sh prepare).</summary>
    private async Task PrepareAsync()
    {
        List<string> args = ["prepare", _folder.Path, Port.ToString(), "--name", "jx", "--dist-port", FreePort.Next().ToString(),
            "--epmd-port", EpmdPort.ToString()];
        if (_cluster is not null) args.AddRange(["--cookie", _cluster.Cookie]);
        if (_tls is not null)
        {
            args.AddRange(["--tls-port", TlsPort.ToString(), "--tls-ca", _tls.CaFile, "--tls-cert", _tls.CertFile, "--tls-key", _tls.KeyFile]);
            if (_tls.RequireClientCertificate) args.Add("--tls-verify-peer");
        }
        var result = await NodeScriptAsync(TimeSpan.FromSeconds(30), args);
        if (result.ExitCode != 0) throw new InvalidOperationException($"rabbitmq-node.sh prepare exited with {result.ExitCode}:\n{result.Output}");
        _env = File.ReadAllLines(_folder.File("node.env")).Select(line => line.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
    }

    private static Task<ProcessRunner.Result> NodeScriptAsync(TimeSpan timeout, IEnumerable<string> args) =>
        ProcessRunner.RunAsync("/bin/bash", [NodeScript, .. args], null, timeout);

    public int Port { get; }

    /// <summary>The amqps:// port when the node was started with TLS, else 0.</summary>
    public int TlsPort { get; }
    public int EpmdPort { get; }
    /// <summary>The node's Erlang name (jx&lt;port&gt;@localhost), as the script named it.</summary>
    public string NodeName => _env.GetValueOrDefault("RABBITMQ_NODENAME", $"(node on port {Port})");
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
                await node.PrepareAsync();
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
        if (_server is not null) await _server.DisposeAsync();
        // The script execs rabbitmq-server: the process started is the node.
        _server = ServerProcess.Start("/bin/bash", [NodeScript, "server", _folder.Path], gracefulStop: TimeSpan.FromSeconds(30), name: "rabbitmq-server");
        var exited = _server.WaitForExitAsync();
        // The script's wait also reads the pid file again when the node had not finished writing it.
        var wait = NodeScriptAsync(TimeSpan.FromSeconds(200), ["wait", _folder.Path, "80"]);
        if (await Task.WhenAny(wait, exited) == exited)
        {
            throw new NodeExitedException($"RabbitMQ node {NodeName} exited with {_server.ExitCode} while starting:\n{ServerOutput}\n{ReadLog()}");
        }
        var result = await wait;
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"RabbitMQ node {NodeName} did not start:\n{result.Output}\n{ServerOutput}\n{ReadLog()}");
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
        NodeScriptAsync(timeout, ["ctl", _folder.Path, .. args]);

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
        var logBase = _env.GetValueOrDefault("RABBITMQ_LOG_BASE");
        var logs = Directory.Exists(logBase) ? Directory.GetFiles(logBase, "*.log") : [];
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
}

/// <summary>The node's process ended before it was ready: it can be started again on fresh ports.</summary>
internal sealed class NodeExitedException(string message) : Exception(message);

/// <summary>What the nodes of one cluster share: the epmd they register with and the Erlang cookie.</summary>
internal sealed record ClusterMembership(int EpmdPort, string Cookie);

/// <summary>PEM files of a TLS listener: the CA that client certificates must chain to, the server's certificate and key.</summary>
public sealed record RabbitMqTls(string CaFile, string CertFile, string KeyFile, bool RequireClientCertificate = true);
