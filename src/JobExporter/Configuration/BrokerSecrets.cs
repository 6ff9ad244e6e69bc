using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using JobExporter.Security;
using JobExporter.Transport;

namespace JobExporter.Configuration;

/// <summary>
/// Reads the broker's credentials and TLS files named by the flags. Messages name the flag and the file, never
/// a file's content.
/// </summary>
internal static class BrokerSecrets
{
    /// <summary>The password from --broker.password-file or JOBEXPORTER_BROKER_PASSWORD (one, not both), else null.</summary>
    public static Secret? Password(FlagValues values)
    {
        var file = values.Get(Flags.BrokerPasswordFile);
        var fromEnvironment = values.Get(Flags.BrokerPassword);
        if (!string.IsNullOrEmpty(file) && fromEnvironment is not null)
        {
            throw new FlagException($"--broker.password-file and {Flags.BrokerPassword.EnvironmentVariable} are both set; use one");
        }
        if (string.IsNullOrEmpty(file))
        {
            return string.IsNullOrEmpty(fromEnvironment) ? null : new Secret(fromEnvironment);
        }
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FlagException($"--broker.password-file '{file}' cannot be read: {ex.Message.Split('\n')[0]}");
        }
        // A file written by `echo secret > file` or a Kubernetes secret may end with a newline: it is not part of the password.
        var password = text.TrimEnd('\r', '\n');
        return password.Length > 0 ? new Secret(password) : throw new FlagException($"--broker.password-file '{file}' is empty");
    }

    /// <summary>The CA and client certificate for amqps://, loaded now so that a bad file fails at start.</summary>
    public static BrokerTls Tls(FlagValues values, Uri brokerUrl)
    {
        var caFile = values.Get(Flags.BrokerCaFile) is { Length: > 0 } ca ? ca : null;
        var certFile = values.Get(Flags.BrokerCertFile) is { Length: > 0 } cert ? cert : null;
        var keyFile = values.Get(Flags.BrokerKeyFile) is { Length: > 0 } key ? key : null;
        if (caFile is null && certFile is null && keyFile is null) return BrokerTls.None;
        if (brokerUrl.Scheme != "amqps")
        {
            throw new FlagException("--broker.ca-file, --broker.cert-file and --broker.key-file need an amqps:// --broker.url");
        }
        if ((certFile is null) != (keyFile is null))
        {
            throw new FlagException("--broker.cert-file and --broker.key-file go together: set both or neither");
        }
        X509Certificate2Collection? roots = null;
        if (caFile is not null)
        {
            try
            {
                roots = CertificateTrust.ReadCertificates(caFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or InvalidDataException)
            {
                throw new FlagException($"--broker.ca-file '{caFile}' cannot be loaded: {ex.Message.Split('\n')[0]}");
            }
        }
        X509Certificate2? client = null;
        if (certFile is not null)
        {
            try
            {
                client = ClientCertificates.FromPem(certFile, keyFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                throw new FlagException($"--broker.cert-file '{certFile}' with --broker.key-file '{keyFile}' cannot be loaded: {ex.Message.Split('\n')[0]}");
            }
        }
        return new BrokerTls(roots, client);
    }
}
