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
    public static Secret? Password(FlagValues values) => Password(values, Flags.BrokerPasswordFile, Flags.BrokerPassword);

    /// <summary>The password from <paramref name="fileFlag"/> or <paramref name="environmentFlag"/> (one, not both), else null.</summary>
    public static Secret? Password(FlagValues values, Flag fileFlag, Flag environmentFlag)
    {
        var file = values.Get(fileFlag);
        var fromEnvironment = values.Get(environmentFlag);
        if (!string.IsNullOrEmpty(file) && fromEnvironment is not null)
        {
            throw new FlagException($"--{fileFlag.Name} and {environmentFlag.EnvironmentVariable} are both set; use one");
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
            throw new FlagException($"--{fileFlag.Name} '{file}' cannot be read: {ex.Message.Split('\n')[0]}");
        }
        // A file written by `echo secret > file` or a Kubernetes secret may end with a newline: it is not part of the password.
        var password = text.TrimEnd('\r', '\n');
        return password.Length > 0 ? new Secret(password) : throw new FlagException($"--{fileFlag.Name} '{file}' is empty");
    }

    /// <summary>The CA and client certificate for amqps://, loaded now so that a bad file fails at start.</summary>
    public static BrokerTls Tls(FlagValues values, Uri brokerUrl) =>
        Tls(values, new TlsFlags(Flags.BrokerCaFile, Flags.BrokerCertFile, Flags.BrokerKeyFile, "an amqps:// --broker.url"), brokerUrl.Scheme == "amqps");

    /// <summary>The flags naming one connection's TLS files, and what they need (for the message when TLS is off).</summary>
    public sealed record TlsFlags(Flag CaFile, Flag CertFile, Flag KeyFile, string Needs);

    /// <summary>The CA and client certificate named by <paramref name="flags"/>, loaded now; <paramref name="tls"/>: the URL asks for TLS.</summary>
    public static BrokerTls Tls(FlagValues values, TlsFlags flags, bool tls)
    {
        var caFile = values.Get(flags.CaFile) is { Length: > 0 } ca ? ca : null;
        var certFile = values.Get(flags.CertFile) is { Length: > 0 } cert ? cert : null;
        var keyFile = values.Get(flags.KeyFile) is { Length: > 0 } key ? key : null;
        if (caFile is null && certFile is null && keyFile is null) return BrokerTls.None;
        if (!tls)
        {
            throw new FlagException($"--{flags.CaFile.Name}, --{flags.CertFile.Name} and --{flags.KeyFile.Name} need {flags.Needs}");
        }
        if ((certFile is null) != (keyFile is null))
        {
            throw new FlagException($"--{flags.CertFile.Name} and --{flags.KeyFile.Name} go together: set both or neither");
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
                throw new FlagException($"--{flags.CaFile.Name} '{caFile}' cannot be loaded: {ex.Message.Split('\n')[0]}");
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
                throw new FlagException($"--{flags.CertFile.Name} '{certFile}' with --{flags.KeyFile.Name} '{keyFile}' cannot be loaded: {ex.Message.Split('\n')[0]}");
            }
        }
        return new BrokerTls(roots, client);
    }
}
