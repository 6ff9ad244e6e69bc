using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using JobExporter.Configuration;
using JobExporter.Transport;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace JobExporter.Security;

/// <summary>
/// Reads a web configuration file in the Prometheus exporter-toolkit format (<c>tls_server_config</c>,
/// <c>basic_auth_users</c>), loads the files it names (relative paths are relative to the file) and checks every
/// value at start. Keys it does not support are an error, never silently ignored: a setting that looks like it
/// protects the exporter but does not would be worse than none. The first problem is one <see cref="FlagException"/> line.
/// </summary>
internal static class WebConfigReader
{
    private static readonly string[] TopKeys = ["tls_server_config", "basic_auth_users"];
    private static readonly string[] TlsKeys = ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version"];

    public static WebConfig Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Problem(path, $"cannot read: {FirstLine(ex.Message)}");
        }
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw Problem(path, $"not valid YAML at line {ex.Start.Line}: {FirstLine(ex.InnerException?.Message ?? ex.Message)}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return WebConfig.None;
        }
        var root = Mapping(path, stream.Documents[0].RootNode, "the file");
        CheckKeys(path, root, TopKeys, "");
        var tls = Child(root, "tls_server_config") is { } tlsNode ? Tls(path, folder, Mapping(path, tlsNode, "tls_server_config")) : null;
        var users = Child(root, "basic_auth_users") is { } usersNode ? Users(path, Mapping(path, usersNode, "basic_auth_users")) : null;
        return new WebConfig(tls, users);
    }

    private static TlsServerConfig Tls(string path, string folder, YamlMappingNode node)
    {
        CheckKeys(path, node, TlsKeys, "tls_server_config.");
        var certFile = Scalar(path, node, "cert_file") ?? throw Problem(path, "tls_server_config.cert_file is required");
        var keyFile = Scalar(path, node, "key_file") ?? throw Problem(path, "tls_server_config.key_file is required");
        var clientAuthText = Scalar(path, node, "client_auth_type") ?? nameof(ClientAuthType.NoClientCert);
        if (!Enum.TryParse<ClientAuthType>(clientAuthText, ignoreCase: false, out var clientAuth) || int.TryParse(clientAuthText, out _))
        {
            throw Problem(path, $"tls_server_config.client_auth_type '{clientAuthText}' must be one of {string.Join(", ", Enum.GetNames<ClientAuthType>())}");
        }
        var caFile = Scalar(path, node, "client_ca_file");
        if (caFile is not null && clientAuth == ClientAuthType.NoClientCert)
        {
            throw Problem(path, "tls_server_config.client_ca_file is set but client_auth_type is NoClientCert (use RequireAndVerifyClientCert)");
        }
        if (caFile is null && clientAuth is ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert)
        {
            throw Problem(path, $"tls_server_config.client_auth_type {clientAuth} needs client_ca_file");
        }
        var min = Version(path, node, "min_version", SslProtocols.Tls12);
        var max = Version(path, node, "max_version", SslProtocols.Tls13);
        if (min > max) throw Problem(path, "tls_server_config.min_version is above max_version");

        var certPath = Resolve(folder, certFile);
        var keyPath = Resolve(folder, keyFile);
        X509Certificate2Collection chain;
        X509Certificate2 certificate;
        try
        {
            chain = CertificateTrust.ReadCertificates(certPath);
            certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException
                                       or InvalidDataException or ArgumentException)
        {
            throw Problem(path, $"tls_server_config: cannot load cert_file '{certPath}' with key_file '{keyPath}': {FirstLine(ex.Message)}");
        }
        X509Certificate2Collection? cas = null;
        if (caFile is not null)
        {
            var caPath = Resolve(folder, caFile);
            try
            {
                cas = CertificateTrust.ReadCertificates(caPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException
                                           or InvalidDataException)
            {
                throw Problem(path, $"tls_server_config: cannot load client_ca_file '{caPath}': {FirstLine(ex.Message)}");
            }
        }
        var intermediates = new X509Certificate2Collection();
        foreach (var extra in chain.Skip(1)) intermediates.Add(extra);
        return new TlsServerConfig
        {
            Certificate = certificate,
            Intermediates = intermediates,
            ClientAuth = clientAuth,
            ClientCas = cas,
            Protocols = (min <= SslProtocols.Tls12 ? SslProtocols.Tls12 : 0) | (max >= SslProtocols.Tls13 ? SslProtocols.Tls13 : 0),
        };
    }

    private static SslProtocols Version(string path, YamlMappingNode node, string key, SslProtocols fallback) => Scalar(path, node, key) switch
    {
        null => fallback,
        "TLS12" => SslProtocols.Tls12,
        "TLS13" => SslProtocols.Tls13,
        "TLS10" or "TLS11" => throw Problem(path, $"tls_server_config.{key} TLS10 and TLS11 are not supported (insecure); use TLS12 or TLS13"),
        var other => throw Problem(path, $"tls_server_config.{key} '{other}' must be TLS12 or TLS13"),
    };

    private static BasicAuthUsers Users(string path, YamlMappingNode node)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in node.Children)
        {
            var user = (keyNode as YamlScalarNode)?.Value;
            if (string.IsNullOrEmpty(user) || user.Contains(':'))
            {
                throw Problem(path, "basic_auth_users: a user name must be a non-empty string without ':'");
            }
            var hash = (valueNode as YamlScalarNode)?.Value;
            // Never repeat the value: it might be a password pasted where its hash should be.
            if (hash is null || !BasicAuthUsers.IsBcryptHash(hash))
            {
                throw Problem(path, $"basic_auth_users.{user} must be a bcrypt hash ($2y$10$...; make one with htpasswd -nBC 10 \"\" | tr -d ':\\n')");
            }
            hashes[user] = hash;
        }
        return new BasicAuthUsers(hashes);
    }

    private static YamlMappingNode Mapping(string path, YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Problem(path, $"{what} must be a mapping of keys to values");

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is not YamlScalarNode { Value: null or "" } ? child : null;

    private static string? Scalar(string path, YamlMappingNode node, string key) => Child(node, key) switch
    {
        null => null,
        YamlScalarNode scalar => scalar.Value,
        _ => throw Problem(path, $"{key} must be a single value"),
    };

    private static void CheckKeys(string path, YamlMappingNode node, string[] allowed, string prefix)
    {
        foreach (var key in node.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(name))
            {
                throw Problem(path, $"{prefix}{name} is not supported by jobexporter (supported: {string.Join(", ", allowed)})");
            }
        }
    }

    private static string Resolve(string folder, string file) => System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, file));

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static FlagException Problem(string path, string what) => new($"--web.config.file '{path}': {what}");
}
