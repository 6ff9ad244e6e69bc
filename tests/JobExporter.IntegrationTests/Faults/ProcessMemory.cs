namespace JobExporter.IntegrationTests.Faults;

/// <summary>Reads a process's memory from /proc, as an operator's dashboard would.</summary>
internal static class ProcessMemory
{
    /// <summary>Resident set size in bytes (VmRSS).</summary>
    public static long Rss(int pid) => Read(pid, "VmRSS:");

    /// <summary>Peak resident set size in bytes (VmHWM).</summary>
    public static long PeakRss(int pid) => Read(pid, "VmHWM:");

    private static long Read(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0]) * 1024;
    }
}
