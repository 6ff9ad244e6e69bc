using System.Collections.Concurrent;

namespace JobExporter.MassTransit;

/// <summary>
/// Reads the queue (or exchange) name from a MassTransit address such as
/// <c>rabbitmq://host/vhost/orders?durable=true</c> or <c>queue:orders</c>. Cached per address, since it is
/// asked for on every message; the cache is bounded so that many temporary addresses cannot grow it forever.
/// </summary>
internal static class QueueNames
{
    public const string Unknown = "unknown";
    private const int MaxCached = 1024;

    private static readonly ConcurrentDictionary<Uri, string> Cache = new();

    public static string Of(Uri? address)
    {
        if (address is null) return Unknown;
        if (Cache.TryGetValue(address, out var name)) return name;
        name = Parse(address);
        if (Cache.Count < MaxCached) Cache.TryAdd(address, name);
        return name;
    }

    private static string Parse(Uri address)
    {
        var path = address.IsAbsoluteUri ? address.AbsolutePath : address.OriginalString;
        var query = path.IndexOf('?');
        if (query >= 0) path = path[..query];
        path = path.TrimEnd('/');
        var slash = path.LastIndexOf('/');
        var name = Uri.UnescapeDataString(slash >= 0 ? path[(slash + 1)..] : path);
        return name.Length == 0 ? Unknown : name;
    }
}
