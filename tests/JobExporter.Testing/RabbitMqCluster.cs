using System.Text.Json;

namespace JobExporter.Testing;

/// <summary>
/// A real RabbitMQ cluster on loopback: <see cref="RabbitMqNode"/>s with their own names (<c>jx&lt;port&gt;@localhost</c>),
/// AMQP and distribution ports and data folders, one shared epmd and Erlang cookie, joined to the first node with
/// <c>rabbitmqctl join_cluster</c>. Any node can be killed (SIGKILL) as a crash would; quorum queues then elect a new
/// leader among the others.
/// </summary>
public sealed class RabbitMqCluster : IAsyncDisposable
{
    private readonly int _epmdPort;

    private RabbitMqCluster(IReadOnlyList<RabbitMqNode> nodes, int epmdPort)
    {
        Nodes = nodes;
        _epmdPort = epmdPort;
    }

    public IReadOnlyList<RabbitMqNode> Nodes { get; }

    /// <summary>Every node's amqp:// URL, comma-separated: what --broker.url takes for a cluster.</summary>
    public string AmqpUrls => string.Join(",", Nodes.Select(n => n.AmqpUrl));

    /// <summary>Starts <paramref name="size"/> nodes at once, then joins the others to the first.</summary>
    public static async Task<RabbitMqCluster> StartAsync(int size = 3)
    {
        var membership = new ClusterMembership(FreePort.Next(), Convert.ToHexString(Guid.NewGuid().ToByteArray()));
        var starting = Enumerable.Range(0, size).Select(_ => RabbitMqNode.StartAsync(null, membership)).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully)) await started.Result.DisposeAsync();
            await RabbitMqNode.KillEpmdAsync(membership.EpmdPort);
            throw;
        }
        var cluster = new RabbitMqCluster(starting.Select(t => t.Result).ToList(), membership.EpmdPort);
        try
        {
            var first = cluster.Nodes[0];
            foreach (var node in cluster.Nodes.Skip(1))
            {
                await node.CtlOrThrowAsync("stop_app");
                await node.CtlOrThrowAsync("join_cluster", first.NodeName);
                await node.CtlOrThrowAsync("start_app");
            }
            var running = await cluster.RunningNodesAsync(first);
            if (running.Count != size)
            {
                throw new InvalidOperationException($"The cluster runs {string.Join(", ", running)}, not {size} nodes.");
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The nodes the cluster sees running, as <paramref name="asking"/> reports them.</summary>
    public async Task<IReadOnlyList<string>> RunningNodesAsync(RabbitMqNode asking)
    {
        var output = await asking.CtlOrThrowAsync("cluster_status", "--formatter", "json");
        using var json = JsonDocument.Parse(JsonStart(output));
        return json.RootElement.GetProperty("running_nodes").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    /// <summary>The node that leads quorum queue <paramref name="queue"/> now, asked of a running node.</summary>
    public async Task<RabbitMqNode> LeaderOfAsync(string queue)
    {
        var asking = Nodes.First(n => n.IsRunning);
        var output = await asking.CtlOrThrowAsync("list_queues", "name", "leader", "--formatter", "json", "--quiet");
        using var json = JsonDocument.Parse(JsonStart(output));
        var row = json.RootElement.EnumerateArray().FirstOrDefault(r => r.GetProperty("name").GetString() == queue);
        if (row.ValueKind == JsonValueKind.Undefined) throw new InvalidOperationException($"Queue {queue} is not in:\n{output}");
        var leader = row.GetProperty("leader").GetString();
        return Nodes.FirstOrDefault(n => n.NodeName == leader) ?? throw new InvalidOperationException($"Queue {queue} has no known leader:\n{output}");
    }

    // rabbitmqctl may print a notice before its JSON.
    private static string JsonStart(string output)
    {
        var start = output.IndexOfAny(['{', '[']);
        return start >= 0 ? output[start..] : throw new InvalidOperationException($"No JSON in rabbitmqctl's answer:\n{output}");
    }

    public async ValueTask DisposeAsync()
    {
        // Followers first: a node stopped last keeps the cluster's view of who left.
        foreach (var node in Nodes.Reverse()) await node.DisposeAsync();
        await RabbitMqNode.KillEpmdAsync(_epmdPort);
    }
}
