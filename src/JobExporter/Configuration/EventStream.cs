using System.Security.Cryptography;
using System.Text;

namespace JobExporter.Configuration;

/// <summary>
/// The name of the event stream an exporter consumes, served as the <c>stream</c> label on its series. Exporters with the
/// same name hold copies of one stream (an HA pair, a redeploy's old and new pod) and count once; different names are
/// different events (sidecars, shards) and add up. The whole exchange (a binding key <c>#</c>) is named by the exchange
/// alone, a part of it by <c>&lt;exchange&gt;/&lt;binding keys&gt;</c>, so a name with a "/" is a part of a stream.
/// </summary>
internal static class EventStream
{
    /// <summary>The binding key that takes every message of a topic exchange.</summary>
    public const string Everything = "#";

    /// <summary>Longest list of binding keys a name spells out; the value is on every series, so its length is paid once a series.</summary>
    public const int LongestKeyList = 200;

    /// <summary>Longest first key a name of a long list spells out.</summary>
    private const int LongestFirstKey = 64;

    /// <summary>
    /// <c>jobs.events</c> when a key is <c>#</c>; else <c>jobs.events/*.*.web-1,*.*.web-2</c>: the keys sorted ordinally
    /// and without repeats, so that the same bindings given in another order name the same stream. A list longer than
    /// <see cref="LongestKeyList"/> (a shard bound to 250 hosts spelled out 4 KB on each of its 180,000 series, a 720 MB
    /// page) is named by its count, its first key in that order (cut to 64 characters) and a digest of the whole list:
    /// <c>jobs.events/250 keys, *.*.worker-0003 first, sha256 3f9a1c2b7e4d</c>.
    /// </summary>
    public static string Name(string exchange, IEnumerable<string> bindingKeys)
    {
        var keys = bindingKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (keys.Count == 0 || keys.Contains(Everything)) return exchange;
        var list = string.Join(',', keys);
        if (list.Length <= LongestKeyList) return $"{exchange}/{list}";
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(list)))[..12];
        // The first key is cut too: one key can be as long as a whole list.
        var first = keys[0].Length <= LongestFirstKey ? keys[0] : keys[0][..LongestFirstKey] + "…";
        return $"{exchange}/{keys.Count} {(keys.Count == 1 ? "key" : "keys")}, {first} first, sha256 {digest}";
    }
}
