using JobExporter.Configuration;

namespace JobExporter.Redis;

/// <summary>
/// A <see cref="RedisConnection"/> in pub/sub mode: PSUBSCRIBE to the patterns after the set-up. After that the server
/// only pushes: messages, and the answers to PING, which <see cref="Ping"/> sends to tell a live server from a silent
/// one. <see cref="Reader"/> belongs to one reader thread; <see cref="Ping"/> may be called from another.
/// </summary>
internal sealed class RedisSubscription : IDisposable
{
    /// <summary>Longest the connection and each step of the set-up may take.</summary>
    public static readonly TimeSpan SetupTimeout = RedisConnection.Timeout;

    private readonly RedisConnection _connection;

    private RedisSubscription(RedisConnection connection) => _connection = connection;

    public RespReader Reader => _connection.Reader;

    public static async Task<RedisSubscription> OpenAsync(CeleryRedisOptions options, string clientName, IReadOnlyList<string> patterns, int maxBulkBytes,
        CancellationToken cancellationToken)
    {
        var connection = await RedisConnection.OpenAsync(options, clientName, maxBulkBytes, cancellationToken);
        try
        {
            connection.Send(RespWriter.Command(["PSUBSCRIBE", .. patterns]));
            for (var i = 0; i < patterns.Count; i++)
            {
                var reply = connection.Reader.Read();
                if (reply.Kind == RespKind.Error) throw new RedisServerException("PSUBSCRIBE", reply.Text ?? "");
                if (reply is not { Kind: RespKind.Array, Items: [var kind, _, _] } || kind.AsText() != "psubscribe")
                {
                    throw new RespProtocolException($"PSUBSCRIBE was answered by {reply}");
                }
            }
            connection.WaitForeverOnReads();
            return new RedisSubscription(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Asks for a pong (in pub/sub mode: <c>["pong", ""]</c>), which comes after every message already pushed.</summary>
    public void Ping() => _connection.Send(RespWriter.Command("PING"));

    /// <summary>Closes the socket: a blocked read on the reader thread ends at once.</summary>
    public void Dispose() => _connection.Dispose();
}
