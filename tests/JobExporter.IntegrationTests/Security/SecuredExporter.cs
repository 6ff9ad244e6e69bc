using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Security;

/// <summary>
/// The exporter binary behind --web.config.file. ExporterProcess waits on plain-HTTP /healthz, which a secured
/// exporter refuses; this one waits on the same probe over TLS with credentials.
/// </summary>
internal sealed class SecuredExporter : IAsyncDisposable
{
    private readonly ServerProcess _process;

    private SecuredExporter(ServerProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public Uri BaseUrl(string scheme = "https") => new($"{scheme}://127.0.0.1:{Port}/");

    public string Output => _process.Output;

    /// <summary>Starts the exporter and waits until <paramref name="ready"/> (a client that the exporter accepts) gets /healthz.</summary>
    public static async Task<SecuredExporter> StartAsync(IEnumerable<string> args, HttpClient ready, string scheme = "https",
        IDictionary<string, string>? env = null)
    {
        var port = FreePort.Next();
        string[] allArgs = ["--web.listen-address", $"127.0.0.1:{port}", "--broker.queue", EventLane.New().Queue, .. args];
        var exporter = new SecuredExporter(ServerProcess.StartDotnet(RepositoryPaths.ExporterDll, allArgs, env), port);
        await exporter.WaitUntilAsync(async () =>
        {
            try
            {
                return (await ready.GetAsync(new Uri(exporter.BaseUrl(scheme), "healthz"))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "/healthz to answer");
        return exporter;
    }

    public Task WaitUntilAsync(Func<Task<bool>> condition, string what) => _process.WaitUntilAsync(condition, Events.Patience, what);

    /// <summary>A client that trusts <paramref name="caFile"/> only, optionally with credentials and a client certificate.</summary>
    public static HttpClient Client(string? caFile, (string User, string Password)? credentials = null, X509Certificate2? clientCertificate = null)
    {
        var handler = new HttpClientHandler();
        if (caFile is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || errors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            };
        }
        if (clientCertificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(clientCertificate);
        }
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        if (credentials is { } c)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.User}:{c.Password}")));
        }
        return client;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
