using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Hangfire;
using Hangfire.InMemory;
using JobExporter.Contracts;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JobExporter.Hangfire.Tests.Security;

/// <summary>
/// An emitter whose every setting comes from an <c>appsettings.json</c>, reaching a RabbitMQ node that speaks TLS
/// only to clients with a certificate from the test CA: the password, the CA and the client certificate all
/// reach the publisher. The client certificate as PEM with its key, and as a PKCS#12 file with a password (the form
/// the netstandard2.0 build, for .NET Framework, reads).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class TlsFromAppSettingsTests
{
    [TestCase(false, TestName = "An emitter configured only by appsettings.json publishes over amqps with a PEM client certificate")]
    [TestCase(true, TestName = "An emitter configured only by appsettings.json publishes over amqps with a PKCS#12 client certificate")]
    public async Task An_emitter_configured_only_by_appsettings_json_publishes_over_amqps_with_a_client_certificate(bool pkcs12)
    {
        using var pki = new TestPki();
        await using var node = await RabbitMqNode.StartAsync(new RabbitMqTls(pki.CaFile, pki.ServerCertFile, pki.ServerKeyFile, RequireClientCertificate: true));
        using var app = new TempFolder("appsettings");
        var pfx = app.File("client.pfx");
        if (pkcs12)
        {
            using var pem = X509Certificate2.CreateFromPemFile(pki.ClientCertFile, pki.ClientKeyFile);
            await File.WriteAllBytesAsync(pfx, pem.Export(X509ContentType.Pkcs12, "pfx-secret"));
        }
        // The URL carries no password: it comes from its own key, as from a secret store.
        await File.WriteAllTextAsync(app.File("appsettings.json"), JsonSerializer.Serialize(new
        {
            JobExporter = new
            {
                BrokerUrl = $"amqps://guest@127.0.0.1:{node.TlsPort}/",
                Password = "guest",
                CaFile = pki.CaFile,
                CertFile = pkcs12 ? pfx : pki.ClientCertFile,
                KeyFile = pkcs12 ? null : pki.ClientKeyFile,
                CertPassword = pkcs12 ? "pfx-secret" : null,
                Hostname = "tls-worker",
                HeartbeatInterval = "00:00:01",
            },
        }));
        await using var tap = await EventTap.StartAsync(node.AmqpUrl, JobExporterHangfireOptions.System); // the tap reads over the plain listener

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = app.Path, Args = [] });
        builder.Services.AddJobExporterHangfire();
        using var host = builder.Build();
        await host.StartAsync();
        var emitter = host.Services.GetRequiredService<JobExporterEmitter>();
        using var storage = new InMemoryStorage();
        using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 1 }, storage, [emitter.WorkerProcess]))
        {
            new BackgroundJobClient(storage).Enqueue(() => TestJobs.Succeed());
            await tap.WaitForAsync(t => t.Count(EventType.JobSucceeded, "TestJobs.Succeed") == 1 && t.Count(EventType.WorkerHeartbeat) >= 1,
                "a job and a heartbeat over TLS");
        }
        Assert.Multiple(() =>
        {
            Assert.That(tap.Events.Select(e => e.Hostname).Distinct(), Is.EqualTo(new[] { "tls-worker" }));
            Assert.That(emitter.IsConnected, Is.True);
            Assert.That(emitter.PublishFailures, Is.Zero, "the first connection succeeded: every TLS setting was there");
        });
        await host.StopAsync();
    }
}
