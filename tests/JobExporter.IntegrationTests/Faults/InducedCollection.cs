using System.Diagnostics.Tracing;
using JobExporter.Testing;
using Microsoft.Diagnostics.NETCore.Client;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>
/// Makes an exporter process run a full, blocking garbage collection from outside, through its diagnostics port: an
/// EventPipe session asking the runtime's provider for the GCHeapCollect keyword, as <c>dotnet-gcdump</c> starts one.
/// Its <c>dotnet_total_memory_bytes</c> then reads the live heap, where an idle process otherwise shows whatever garbage
/// was left when the collector last ran.
/// </summary>
internal static class InducedCollection
{
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";
    private const long GcHeapCollectKeyword = 0x800000;

    /// <summary>Runs the collection and waits until the process's page counts one more gen2 collection.</summary>
    public static async Task RunAsync(ExporterProcess exporter)
    {
        var before = Gen2Collections(await exporter.ScrapeAsync());
        var client = new DiagnosticsClient(exporter.ProcessId);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider(RuntimeProvider, EventLevel.Informational, GcHeapCollectKeyword)], requestRundown: false);
        // The session's events must be read, or the runtime waits on a full buffer.
        var drained = session.EventStream.CopyToAsync(Stream.Null);
        try
        {
            await Waiting.UntilAsync(async () => Gen2Collections(await exporter.ScrapeAsync()) > before,
                "the induced gen2 collection", TimeSpan.FromSeconds(30));
        }
        finally
        {
            session.Stop();
            await drained;
        }
    }

    private static double Gen2Collections(MetricsSnapshot page) => page.Value("dotnet_collection_count_total", ("generation", "2")) ?? 0;
}
