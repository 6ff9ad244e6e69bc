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

    /// <summary>
    /// <c>jobs.events</c> when a key is <c>#</c>; else <c>jobs.events/*.*.web-1,*.*.web-2</c>: the keys sorted ordinally
    /// and without repeats, so that the same bindings given in another order name the same stream.
    /// </summary>
    public static string Name(string exchange, IEnumerable<string> bindingKeys)
    {
        var keys = bindingKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return keys.Count == 0 || keys.Contains(Everything) ? exchange : $"{exchange}/{string.Join(',', keys)}";
    }
}
