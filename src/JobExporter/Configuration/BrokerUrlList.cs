using JobExporter.Transport;
using JobExporter.Contracts;

namespace JobExporter.Configuration;

/// <summary>
/// Reads --broker.url: one URL, or the comma-separated URLs of a cluster's nodes. Errors say which item is wrong by its
/// position, never by its text, which may hold a password.
/// </summary>
internal static class BrokerUrlList
{
    private const string Example = "amqp://user:password@host:5672/vhost";

    public static IReadOnlyList<Uri> Parse(string text)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        var urls = new List<Uri>(items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            if (!Uri.TryCreate(items[i], UriKind.Absolute, out var url) || url.Scheme is not ("amqp" or "amqps") || url.Host.Length == 0)
            {
                var which = items.Length == 1 ? "" : $" (item {i + 1} of {items.Length})";
                throw new FlagException($"--broker.url{which} must be an amqp:// or amqps:// URL such as {Example}; several are separated by commas");
            }
            urls.Add(url);
        }
        return BrokerEndpoints.Mismatch(urls) is { } problem
            ? throw new FlagException($"--broker.url lists the nodes of one cluster, but {problem}")
            : urls;
    }
}
