using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using JobExporter.Configuration;
using JobExporter.Security;

namespace JobExporter.Health;

/// <summary>
/// One HTTP request to the exporter's own listener, made as its settings say: plain or TLS, with or without credentials.
/// A raw request, not HttpClient: the check must tell apart what failed (connect, TLS, status), and it stays small in
/// the native image.
/// </summary>
internal sealed class HealthProbe(ExporterOptions options, HealthCredentials? credentials)
{
    public sealed record Result(bool Healthy, string Description);

    /// <summary>Where to connect: the listen address, with a wildcard host replaced by the loopback address.</summary>
    public static (string Host, int Port) Target(string listenAddress)
    {
        var colon = listenAddress.LastIndexOf(':');
        var host = listenAddress[..colon].Trim('[', ']');
        var port = int.Parse(listenAddress[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return (host switch
        {
            "" or "*" or "+" or "0.0.0.0" => "127.0.0.1",
            "::" => "::1",
            _ => host,
        }, port);
    }

    public async Task<Result> AskAsync(string path, CancellationToken cancellation)
    {
        var (host, port) = Target(options.ListenAddress);
        var tls = options.Web.Tls;
        var where = $"{(tls is null ? "http" : "https")}://{(host.Contains(':') ? $"[{host}]" : host)}:{port}{path}";
        using var tcp = new TcpClient(host.Contains(':') ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        try
        {
            await tcp.ConnectAsync(host, port, cancellation);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return new(false, $"{where}: cannot connect ({ex.Message})");
        }
        Stream stream = tcp.GetStream();
        var handshakeDone = false;
        try
        {
            if (tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(ClientOptions(host, tls), cancellation);
                handshakeDone = true;
            }
            var (status, challenge) = await ExchangeAsync(stream, host, path, cancellation);
            return Judge(where, path, status, challenge);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            if (handshakeDone && path == "/healthz" && tls!.ClientAuth is ClientAuthType.RequireAndVerifyClientCert or ClientAuthType.RequireAnyClientCert)
            {
                // Mutual TLS that the check's certificate does not satisfy: the exporter still presented its own
                // certificate in a finished handshake, which only a live exporter does.
                return new(true, $"{where}: TLS handshake with the exporter's certificate; the request itself was refused "
                    + $"(client certificates required: {ex.Message})");
            }
            return new(false, $"{where}: {(handshakeDone || tls is null ? "request failed" : "TLS handshake failed")} ({ex.Message})");
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private Result Judge(string where, string path, int status, string? challenge)
    {
        if (status == 200) return new(true, $"{where}: 200");
        if (status == 401 && credentials is null && options.Web.Users is not null && path == "/healthz"
            && challenge is not null && challenge.Contains("realm=\"jobexporter\"", StringComparison.Ordinal))
        {
            // Alive means serving HTTP; the exporter's own challenge shows that without a password in the container.
            return new(true, $"{where}: 401 with the exporter's basic auth challenge (alive; set {HealthCredentials.UserVariable} and "
                + $"{HealthCredentials.PasswordVariable} to check credentials too)");
        }
        return new(false, $"{where}: {status}{(status == 401 && credentials is not null ? " (the health check's credentials were refused)" : "")}");
    }

    /// <summary>
    /// Trusts exactly the certificate of the exporter's own <c>cert_file</c>, whatever signed it and whatever names it
    /// holds: the check reads the same file as the server, so it knows what to expect and needs no CA. Presents that
    /// certificate as its own when the exporter asks for one.
    /// </summary>
    private static SslClientAuthenticationOptions ClientOptions(string host, TlsServerConfig tls) => new()
    {
        TargetHost = host,
        EnabledSslProtocols = tls.Protocols,
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(tls.Certificate.RawData),
        ClientCertificates = tls.ClientAuth is ClientAuthType.NoClientCert ? null : new X509CertificateCollection { tls.Certificate },
    };

    private async Task<(int Status, string? Challenge)> ExchangeAsync(Stream stream, string host, string path, CancellationToken cancellation)
    {
        var request = new StringBuilder($"GET {path} HTTP/1.1\r\nHost: {(host.Contains(':') ? $"[{host}]" : host)}\r\nConnection: close\r\n");
        if (credentials is { } c)
        {
            request.Append("Authorization: Basic ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.User}:{c.Password}"))).Append("\r\n");
        }
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), cancellation);
        await stream.FlushAsync(cancellation);

        // The status line and headers are all the check needs; 16 KiB is far more than the exporter sends.
        var buffer = new byte[16 * 1024];
        var length = 0;
        int end;
        while ((end = Encoding.ASCII.GetString(buffer, 0, length).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
        {
            var read = length < buffer.Length ? await stream.ReadAsync(buffer.AsMemory(length), cancellation) : 0;
            if (read == 0) throw new IOException("the connection closed before a full response header");
            length += read;
        }
        var lines = Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n");
        var parts = lines[0].Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
        {
            throw new IOException($"not an HTTP response: '{lines[0]}'");
        }
        var challenge = lines.Skip(1).FirstOrDefault(l => l.StartsWith("WWW-Authenticate:", StringComparison.OrdinalIgnoreCase));
        return (status, challenge);
    }
}
