using RabbitMQ.Client;

namespace JobExporter.Transport;

/// <summary>
/// The nodes of one RabbitMQ cluster as the endpoints of one connection: the client tries them (in random order) until
/// one answers, so losing a node costs a reconnect, not the stream. One connection factory holds one user, password
/// and virtual host, so every URL must share them and the scheme; only host and port differ.
/// </summary>
internal static class BrokerEndpoints
{
    /// <summary>One endpoint per URL, in the given order, each with TLS settings from <paramref name="ssl"/> (which names that URL's host).</summary>
    public static IList<AmqpTcpEndpoint> For(IEnumerable<Uri> urls, Func<Uri, SslOption> ssl) =>
        urls.Select(url => new AmqpTcpEndpoint(url.Host, url.Port, ssl(url))).ToList();

    /// <summary>
    /// Why these URLs cannot be the nodes of one connection, or null when they can. The sentence names URLs by their
    /// position (1 is the first) and host:port only, never a password.
    /// </summary>
    public static string? Mismatch(IReadOnlyList<Uri> urls)
    {
        if (urls.Count == 0) return "no URL is given";
        var first = urls[0];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < urls.Count; i++)
        {
            var url = urls[i];
            if (!url.IsAbsoluteUri || url.Scheme is not ("amqp" or "amqps") || url.Host.Length == 0)
            {
                return $"URL {i + 1} of {urls.Count} is not an amqp:// or amqps:// URL with a host";
            }
            if (url.Scheme != first.Scheme) return $"URL {i + 1} of {urls.Count} is {url.Scheme}:// but URL 1 is {first.Scheme}://; use one scheme";
            if (url.UserInfo != first.UserInfo) return $"URL {i + 1} of {urls.Count} has other credentials than URL 1; every node is reached with the same user and password";
            if (url.AbsolutePath != first.AbsolutePath) return $"URL {i + 1} of {urls.Count} names another virtual host than URL 1";
            if (!seen.Add($"{url.Host}:{url.Port}")) return $"{url.Host}{(url.Port > 0 ? $":{url.Port}" : "")} is listed twice";
        }
        return null;
    }

    /// <summary>The URLs as a log line: comma-separated, passwords replaced by <c>***</c>.</summary>
    public static string Redact(IEnumerable<Uri> urls) => string.Join(",", urls.Select(BrokerUrls.Redact));
}
