namespace JobExporter.Security;

/// <summary>
/// What the web server asks of a client's certificate: the values of exporter-toolkit's <c>client_auth_type</c>,
/// which are Go's <c>tls.ClientAuthType</c>. Only <see cref="RequireAndVerifyClientCert"/> authenticates clients.
/// </summary>
internal enum ClientAuthType
{
    /// <summary>No client certificate is asked for (the default).</summary>
    NoClientCert,

    /// <summary>A certificate is asked for but not required, and not verified.</summary>
    RequestClientCert,

    /// <summary>A certificate is required but not verified.</summary>
    RequireAnyClientCert,

    /// <summary>A certificate is optional; one that is sent must chain to <c>client_ca_file</c>.</summary>
    VerifyClientCertIfGiven,

    /// <summary>A certificate that chains to <c>client_ca_file</c> is required.</summary>
    RequireAndVerifyClientCert,
}
