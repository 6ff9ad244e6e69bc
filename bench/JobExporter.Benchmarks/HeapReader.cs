using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace JobExporter.Benchmarks;

/// <summary>
/// The exporter's managed heap, which RSS only bounds from above (RSS also holds the collector's free space and the
/// allocation budget of the next gen0). Two readings: <c>dotnet_total_memory_bytes</c> from the page (the heap as the
/// runtime counts it, garbage included), and, with BENCH_GCDUMP=1 on the JIT build, the live heap after a full blocking
/// collection, taken by <c>dotnet-gcdump collect</c> (a dotnet tool: <c>dotnet tool install -g dotnet-gcdump</c>);
/// its report (objects by type) is kept under .tmp/bench for reading where the bytes go.
/// </summary>
internal static partial class HeapReader
{
    public static bool DumpsWanted => Environment.GetEnvironmentVariable("BENCH_GCDUMP") is "1" or "true";

    /// <summary>GC.GetTotalMemory(false) of the exporter, as its own dotnet_total_memory_bytes says, or null when absent.</summary>
    public static async Task<long?> PageHeapAsync(Uri metricsUrl)
    {
        var page = await Scraper.GetAsync(metricsUrl);
        return page.Text.Contains("\ndotnet_total_memory_bytes ", StringComparison.Ordinal) ? (long)page.Sum("dotnet_total_memory_bytes") : null;
    }

    /// <summary>
    /// Live heap bytes after a full collection (dotnet-gcdump's "GC Heap bytes"), or null when not asked for, on a
    /// NativeAOT build (no diagnostics port) or when the tool is missing. Writes the report to <paramref name="reportPath"/>.
    /// </summary>
    public static async Task<long?> LiveHeapAsync(int pid, string reportPath, TextWriter log)
    {
        if (!DumpsWanted || !ExporterConsumer.BuildName.StartsWith("JIT", StringComparison.Ordinal)) return null;
        Directory.CreateDirectory(Path.GetDirectoryName(reportPath)!);
        var dump = Path.ChangeExtension(reportPath, ".gcdump");
        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-gcdump");
        if (!File.Exists(tool)) tool = "dotnet-gcdump";
        try
        {
            if (await RunAsync(tool, $"collect -p {pid} -o {dump}") is null) return null;
            var report = await RunAsync(tool, $"report {dump}");
            if (report is null) return null;
            await File.WriteAllTextAsync(reportPath, report);
            var total = HeapBytes().Match(report);
            return total.Success ? long.Parse(total.Groups[1].Value.Replace(",", ""), CultureInfo.InvariantCulture) : null;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            log.WriteLine($"  no heap dump ({ex.Message}): install it with `dotnet tool install -g dotnet-gcdump`");
            return null;
        }
    }

    private static async Task<string?> RunAsync(string tool, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await output : null;
    }

    [GeneratedRegex(@"^\s*([\d,]+)\s+GC Heap bytes", RegexOptions.Multiline)]
    private static partial Regex HeapBytes();
}
