namespace JobExporter.Transport;

/// <summary>Helpers for broker URLs, so that a password never reaches a log line.</summary>
internal static class BrokerUrls
{
    /// <summary>The URL with its password replaced by <c>***</c>.</summary>
    public static string Redact(Uri url)
    {
        if (string.IsNullOrEmpty(url.UserInfo)) return url.ToString();
        var user = url.UserInfo.Split(new[] { ':' }, 2)[0];
        var builder = new UriBuilder(url) { UserName = user, Password = "***" };
        return builder.Uri.ToString();
    }
}
