using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace JobExporter.Testing;

/// <summary>
/// Finds loopback TCP ports nobody listens on, for servers a test starts. They are drawn at random below the
/// kernel's ephemeral range: a port from that range (what binding port 0 returns) can be taken by any outgoing
/// connection between this check and the server's own bind, which once kept a RabbitMQ node from starting.
/// </summary>
public static class FreePort
{
    private const int Lowest = 10_000;
    private static readonly ConcurrentDictionary<int, bool> HandedOut = new();

    public static int Next()
    {
        var highest = EphemeralRangeStart() - 1;
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(Lowest, highest + 1);
            if (IsFree(port) && HandedOut.TryAdd(port, true)) return port;
        }
        throw new InvalidOperationException($"No free loopback port between {Lowest} and {highest}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split('\t', ' ')[0], out var start) && start > Lowest + 1000
            ? start
            : 32768;
    }
}
