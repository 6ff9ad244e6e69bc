using System.Net.Http.Headers;
using System.Text;

namespace JobExporter.Transport.Http;

/// <summary>
/// One exporter's ingest endpoint (<c>POST /api/v1/events</c> under its http:// or https:// URL), with the basic-auth
/// header of the URL's user and password (or of the password given instead of the URL's). The URL it posts to holds
/// no credentials, and <see cref="Redacted"/> is what log lines show.
/// </summary>
internal sealed class ExporterEndpoint
{
    /// <summary>The exporter's ingest path, below the URL's own path (an exporter behind a path prefix keeps it).</summary>
    public const string IngestPath = "api/v1/events";

    public ExporterEndpoint(Uri exporter, string? password = null)
    {
        var builder = new UriBuilder(exporter) { UserName = "", Password = "" };
        if (!builder.Path.EndsWith("/", StringComparison.Ordinal)) builder.Path += "/";
        var root = builder.Uri;
        IngestUrl = new Uri(root, IngestPath);
        Redacted = root.GetLeftPart(UriPartial.Path);
        var userInfo = exporter.UserInfo;
        if (userInfo.Length > 0 || password is not null)
        {
            var colon = userInfo.IndexOf(':');
            var user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo.Substring(0, colon));
            var urlPassword = colon < 0 ? "" : Uri.UnescapeDataString(userInfo.Substring(colon + 1));
            Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + (password ?? urlPassword))));
        }
    }

    public Uri IngestUrl { get; }

    /// <summary>The URL without user or password, for log lines.</summary>
    public string Redacted { get; }

    /// <summary>The basic-auth header, or null when the URL names no user.</summary>
    public AuthenticationHeaderValue? Authorization { get; }
}
