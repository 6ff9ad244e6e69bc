namespace JobExporter.Testing;

/// <summary>The real exporter with --web.enable-ingest and no --broker.url: emitters send to it over HTTP, and it connects to no RabbitMQ.</summary>
public static class IngestExporter
{
    public static Task<ExporterProcess> StartAsync(params string[] args)
    {
        var port = FreePort.Next();
        return ExporterProcess.StartWithArgsAsync(port, ["--web.listen-address", $"127.0.0.1:{port}", "--web.enable-ingest", .. args]);
    }
}
