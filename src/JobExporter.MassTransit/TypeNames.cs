using System.Collections.Concurrent;

namespace JobExporter.MassTransit;

/// <summary>
/// The names events carry for consumers and messages: the type's own name without its namespace, with
/// generic arguments spelled out (<c>Batch&lt;Order&gt;</c>). Cached, since it is asked for on every message.
/// </summary>
internal static class TypeNames
{
    private static readonly ConcurrentDictionary<Type, string> Cache = new();

    public static string Of(Type type) => Cache.GetOrAdd(type, Build);

    /// <summary>True for MassTransit's own messages (faults, receive faults): they are side effects, not jobs.</summary>
    public static bool IsFrameworkMessage(Type type) =>
        type.Namespace is { } ns && (ns == "MassTransit" || ns.StartsWith("MassTransit.", StringComparison.Ordinal));

    /// <summary>The name from a MassTransit message type URN such as <c>urn:message:Shop.Orders:PlaceOrder</c>.</summary>
    public static string FromUrn(string urn)
    {
        var colon = urn.LastIndexOf(':');
        var name = colon >= 0 ? urn[(colon + 1)..] : urn;
        return name.Length == 0 ? QueueNames.Unknown : name;
    }

    /// <summary>The name from MassTransit's short consumer type name (namespace-qualified), for consumers this emitter did not wrap.</summary>
    public static string FromShortName(string shortName)
    {
        var generic = shortName.IndexOf('<');
        var head = generic >= 0 ? shortName[..generic] : shortName;
        var dot = head.LastIndexOf('.');
        return dot >= 0 ? shortName[(dot + 1)..] : shortName;
    }

    private static string Build(Type type)
    {
        if (!type.IsGenericType) return type.Name;
        var name = type.Name;
        var tick = name.IndexOf('`');
        if (tick >= 0) name = name[..tick];
        return $"{name}<{string.Join(",", type.GetGenericArguments().Select(Of))}>";
    }
}
