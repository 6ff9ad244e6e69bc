namespace JobExporter.Contracts;

/// <summary>Routing keys on the events exchange: <c>&lt;system&gt;.&lt;type&gt;.&lt;hostname&gt;</c>.</summary>
internal static class RoutingKeys
{
    public static string For(JobEvent e) => For(e.System, e.Type, e.Hostname);

    public static string For(string system, EventType type, string hostname) =>
        $"{Word(system)}.{type.ToWireName()}.{Word(hostname)}";

    /// <summary>The binding key a sidecar uses to receive only its own worker's events.</summary>
    public static string ForHost(string hostname) => $"*.*.{Word(hostname)}";

    // A dot separates words in a topic routing key, so it cannot appear inside one.
    public static string Word(string value) => value.Replace('.', '_');
}
