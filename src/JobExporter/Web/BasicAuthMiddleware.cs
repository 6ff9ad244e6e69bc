using System.Text;
using JobExporter.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace JobExporter.Web;

/// <summary>
/// Basic auth on every path, as exporter-toolkit does (so /healthz and /readyz too: a probe sends the header, or
/// checks the TCP port). A request without valid credentials gets 401 and a <c>WWW-Authenticate</c> challenge.
/// Credentials that verified before pass at once; others wait their turn at a <see cref="PasswordCheckGate"/> for
/// bcrypt, and get 429 with <c>Retry-After</c> when there is none, so that guessing cannot starve anyone else.
/// </summary>
internal static class BasicAuthMiddleware
{
    private const string Challenge = "Basic realm=\"jobexporter\", charset=\"UTF-8\"";

    public static void UseBasicAuth(this WebApplication app, BasicAuthUsers users)
    {
        var gate = new PasswordCheckGate();
        app.Use(async (context, next) =>
        {
            if (!TryReadCredentials(context.Request, out var user, out var password))
            {
                await RefuseAsync(context);
                return;
            }
            if (users.IsRemembered(user, password))
            {
                await next(context);
                return;
            }
            bool verified;
            IDisposable? turn;
            try
            {
                turn = await gate.EnterAsync(context.Connection.RemoteIpAddress, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client left while it waited for its turn: nothing to answer, and nothing worth an error in the log.
                return;
            }
            using (turn)
            {
                if (turn is null)
                {
                    context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    context.Response.Headers[HeaderNames.RetryAfter] = "1";
                    await context.Response.WriteAsync("Too many password checks; retry later\n");
                    return;
                }
                verified = users.Verify(user, password);
            }
            if (verified) await next(context);
            else await RefuseAsync(context);
        });
    }

    private static Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers[HeaderNames.WWWAuthenticate] = Challenge;
        return context.Response.WriteAsync("Unauthorized\n");
    }

    private static bool TryReadCredentials(HttpRequest request, out string user, out string password)
    {
        user = password = "";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) || header.Length > 4096) return false;
        Span<byte> decoded = stackalloc byte[3 * header.Length / 4 + 3];
        if (!Convert.TryFromBase64String(header[6..].Trim(), decoded, out var length)) return false;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(decoded[..length]);
        }
        catch (ArgumentException)
        {
            return false;
        }
        var colon = text.IndexOf(':');
        if (colon < 0) return false;
        user = text[..colon];
        password = text[(colon + 1)..];
        return true;
    }
}
