namespace JobExporter.Security;

/// <summary>
/// What <c>--web.config.file</c> asks for: TLS on the listener, basic auth on every path, or both.
/// Without the flag there is neither, and the exporter serves plain HTTP to anyone.
/// </summary>
internal sealed record WebConfig(TlsServerConfig? Tls, BasicAuthUsers? Users)
{
    public static WebConfig None { get; } = new(null, null);
}
