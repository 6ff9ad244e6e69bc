using System.Globalization;
using JobExporter.Configuration;
using JobExporter.Security;

namespace JobExporter.Redis;

/// <summary>
/// A Redis URL as Celery and kombu take it: <c>redis://[user:password@]host[:port][/db]</c>, or <c>rediss://</c> for TLS.
/// The database number does not change what pub/sub delivers (channels are global in Redis) but names kombu's fanout
/// channels (<c>/{db}.</c>), so it must be the one Celery's workers use. Errors never repeat the URL, which may hold a password.
/// </summary>
internal sealed record RedisUrl(string Host, int Port, int Database, bool Tls, string? User, Secret? Password)
{
    public const int DefaultPort = 6379;
    private const string Example = "redis://:password@host:6379/0";

    /// <summary>The URL without its credentials, for log lines and /readyz.</summary>
    public string Redacted => $"{(Tls ? "rediss" : "redis")}://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}/{Database}";

    public static RedisUrl Parse(string text, Flag flag)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("redis" or "rediss") || url.Host.Length == 0)
        {
            throw new FlagException($"--{flag.Name} must be a redis:// or rediss:// URL such as {Example}");
        }
        if (url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            throw new FlagException($"--{flag.Name} takes no URL options (?...): TLS files are set by the --celery.broker-*-file flags");
        }
        var path = url.AbsolutePath.Trim('/');
        var database = 0;
        if (path.Length > 0 && !int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database))
        {
            throw new FlagException($"--{flag.Name} ends with a database number (/0, /1, ...), not another path");
        }
        string? user = null;
        Secret? password = null;
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':');
            var userPart = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
            user = userPart.Length > 0 ? userPart : null;
            if (colon >= 0 && url.UserInfo[(colon + 1)..] is { Length: > 0 } secret) password = new Secret(Uri.UnescapeDataString(secret));
        }
        return new RedisUrl(url.DnsSafeHost, url.IsDefaultPort || url.Port < 0 ? DefaultPort : url.Port, database, url.Scheme == "rediss", user, password);
    }
}
