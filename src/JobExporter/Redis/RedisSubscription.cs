using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using JobExporter.Configuration;
using JobExporter.Security;
using JobExporter.Transport;

namespace JobExporter.Redis;

/// <summary>
/// One connection to Redis in pub/sub mode, set up as redis-py (which kombu uses) sets up its own: AUTH when there is a
/// password (with the user when the URL names one), CLIENT SETNAME so that CLIENT LIST shows who it is, SELECT when the
/// database is not 0, then PSUBSCRIBE to the patterns. After that the server only pushes: messages, and the answers to
/// PING, which <see cref="Ping"/> sends to tell a live server from a silent one. <see cref="Reader"/> belongs to one
/// reader thread; <see cref="Ping"/> may be called from another.
/// </summary>
internal sealed class RedisSubscription : IDisposable
{
    /// <summary>Longest the connection and each step of the set-up may take.</summary>
    public static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client;
    private readonly Stream _stream;
    private readonly Lock _writing = new();

    private RedisSubscription(TcpClient client, Stream stream, int maxBulkBytes)
    {
        _client = client;
        _stream = stream;
        Reader = new RespReader(stream, maxBulkBytes);
    }

    public RespReader Reader { get; }

    public static async Task<RedisSubscription> OpenAsync(CeleryRedisOptions options, string clientName, IReadOnlyList<string> patterns, int maxBulkBytes,
        CancellationToken cancellationToken)
    {
        var url = options.Url;
        var client = new TcpClient { NoDelay = true };
        try
        {
            client.Client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(SetupTimeout);
                await client.ConnectAsync(url.Host, url.Port, timeout.Token);
                Stream stream = client.GetStream();
                if (url.Tls) stream = await AuthenticateAsync(stream, url.Host, options.Tls, timeout.Token);
                var subscription = new RedisSubscription(client, stream, maxBulkBytes);
                // The set-up is a few short exchanges: blocking reads, bounded by the socket's timeout.
                client.ReceiveTimeout = (int)SetupTimeout.TotalMilliseconds;
                subscription.SetUp(options, clientName, patterns);
                client.ReceiveTimeout = 0;
                // A PING that cannot be written (the server reads nothing) fails instead of blocking the watch.
                client.SendTimeout = (int)SetupTimeout.TotalMilliseconds;
                return subscription;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new TimeoutException($"no connection to {url.Redacted} within {SetupTimeout.TotalSeconds:F0} s");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task<Stream> AuthenticateAsync(Stream stream, string host, BrokerTls tls, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        var settings = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (tls.CaCertificates is { } roots)
        {
            settings.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => CertificateTrust.IsTrustedServer(certificate, chain, errors, roots);
        }
        if (tls.ClientCertificate is { } certificate)
        {
            settings.ClientCertificates = new X509CertificateCollection { certificate };
        }
        await ssl.AuthenticateAsClientAsync(settings, cancellationToken);
        return ssl;
    }

    private void SetUp(CeleryRedisOptions options, string clientName, IReadOnlyList<string> patterns)
    {
        var url = options.Url;
        if (options.EffectivePassword is { } password)
        {
            // Never named in the error: the command's name is enough, the server's answer holds no secret.
            Expect(url.User is { } user ? RespWriter.Command("AUTH", user, password.Reveal()) : RespWriter.Command("AUTH", password.Reveal()), "AUTH");
        }
        Expect(RespWriter.Command("CLIENT", "SETNAME", clientName), "CLIENT SETNAME");
        if (url.Database != 0) Expect(RespWriter.Command("SELECT", url.Database.ToString(System.Globalization.CultureInfo.InvariantCulture)), "SELECT");
        Send(RespWriter.Command(["PSUBSCRIBE", .. patterns]));
        for (var i = 0; i < patterns.Count; i++)
        {
            var reply = Reader.Read();
            if (reply.Kind == RespKind.Error) throw new RedisServerException("PSUBSCRIBE", reply.Text ?? "");
            if (reply is not { Kind: RespKind.Array, Items: [var kind, _, _] } || kind.AsText() != "psubscribe")
            {
                throw new RespProtocolException($"PSUBSCRIBE was answered by {reply}");
            }
        }
    }

    private void Expect(byte[] command, string name)
    {
        Send(command);
        var reply = Reader.Read();
        if (reply.Kind == RespKind.Error) throw new RedisServerException(name, reply.Text ?? "");
        if (reply.Kind != RespKind.SimpleString) throw new RespProtocolException($"{name} was answered by {reply}");
    }

    /// <summary>Asks for a pong (in pub/sub mode: <c>["pong", ""]</c>), which comes after every message already pushed.</summary>
    public void Ping() => Send(RespWriter.Command("PING"));

    private void Send(byte[] command)
    {
        lock (_writing)
        {
            _stream.Write(command);
            _stream.Flush();
        }
    }

    /// <summary>Closes the socket: a blocked read on the reader thread ends at once.</summary>
    public void Dispose()
    {
        try
        {
            _client.Client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the server.
        }
        _stream.Dispose();
        _client.Dispose();
    }
}
