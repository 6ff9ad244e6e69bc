using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using JobExporter.Configuration;
using JobExporter.Security;
using JobExporter.Transport;

namespace JobExporter.Redis;

/// <summary>
/// One connection to Redis, set up as redis-py (which kombu uses) sets up its own: AUTH when there is a password (with
/// the user when the URL names one), CLIENT SETNAME so that CLIENT LIST shows who it is, SELECT when the database is
/// not 0. Reads block, each bounded by the socket's receive timeout (none once <see cref="WaitForeverOnReads"/>).
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    /// <summary>Longest the connection, each step of the set-up, and each command's answer may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client;
    private readonly Stream _stream;
    private readonly Lock _writing = new();

    private RedisConnection(TcpClient client, Stream stream, int maxBulkBytes)
    {
        _client = client;
        _stream = stream;
        Reader = new RespReader(stream, maxBulkBytes);
    }

    public RespReader Reader { get; }

    public static async Task<RedisConnection> OpenAsync(CeleryRedisOptions options, string clientName, int maxBulkBytes, CancellationToken cancellationToken)
    {
        var url = options.Url;
        var client = new TcpClient { NoDelay = true };
        try
        {
            client.Client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            await client.ConnectAsync(url.Host, url.Port, timeout.Token);
            Stream stream = client.GetStream();
            if (url.Tls) stream = await AuthenticateAsync(stream, url.Host, options.Tls, timeout.Token);
            var connection = new RedisConnection(client, stream, maxBulkBytes);
            // The set-up is a few short exchanges: blocking reads, bounded by the socket's timeout.
            client.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
            // A command that cannot be written (the server reads nothing) fails instead of blocking.
            client.SendTimeout = (int)Timeout.TotalMilliseconds;
            connection.SetUp(options, clientName);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new TimeoutException($"no connection to {url.Redacted} within {Timeout.TotalSeconds:F0} s");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>From now on a read waits as long as the server is silent (a subscriber's reader thread).</summary>
    public void WaitForeverOnReads() => _client.ReceiveTimeout = 0;

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

    private void SetUp(CeleryRedisOptions options, string clientName)
    {
        var url = options.Url;
        if (options.EffectivePassword is { } password)
        {
            // Never named in the error: the command's name is enough, the server's answer holds no secret.
            Expect(url.User is { } user ? RespWriter.Command("AUTH", user, password.Reveal()) : RespWriter.Command("AUTH", password.Reveal()), "AUTH");
        }
        Expect(RespWriter.Command("CLIENT", "SETNAME", clientName), "CLIENT SETNAME");
        if (url.Database != 0) Expect(RespWriter.Command("SELECT", url.Database.ToString(System.Globalization.CultureInfo.InvariantCulture)), "SELECT");
    }

    private void Expect(byte[] command, string name)
    {
        Send(command);
        var reply = Reader.Read();
        if (reply.Kind == RespKind.Error) throw new RedisServerException(name, reply.Text ?? "");
        if (reply.Kind != RespKind.SimpleString) throw new RespProtocolException($"{name} was answered by {reply}");
    }

    /// <summary>Writes <paramref name="commands"/> at once, as a pipeline; may be called from another thread than the reader's.</summary>
    public void Send(params byte[][] commands)
    {
        lock (_writing)
        {
            foreach (var command in commands) _stream.Write(command);
            _stream.Flush();
        }
    }

    /// <summary>Closes the socket: a blocked read on another thread ends at once.</summary>
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
