namespace JobExporter.Benchmarks;

/// <summary>What Linux says about a process: CPU time (utime + stime) and memory (VmRSS, VmHWM).</summary>
internal static class ProcStats
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ: 100 on every Linux this runs on

    /// <summary>User plus system CPU seconds the process has used so far.</summary>
    public static double CpuSeconds(int pid)
    {
        return CpuTicks(File.ReadAllText($"/proc/{pid}/stat")) / TicksPerSecond;
    }

    // utime + stime of a /proc stat line (a process's or a thread's).
    private static long CpuTicks(string stat)
    {
        // The command name (field 2) may hold spaces; fields after the closing parenthesis are plain.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 of stat, so 11 and 12 after the state field (3).
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }

    /// <summary>
    /// User plus system CPU seconds used so far by this process's live threads whose name starts with
    /// <paramref name="namePrefix"/> (a thread that has ended is not counted: measure threads that outlive the interval).
    /// </summary>
    public static double ThreadCpuSeconds(string namePrefix)
    {
        long ticks = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{Environment.ProcessId}/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                if (!name.StartsWith(namePrefix, StringComparison.Ordinal)) continue;
                ticks += CpuTicks(stat);
            }
            catch (IOException)
            {
                // The thread ended while the folder was read.
            }
        }
        return ticks / TicksPerSecond;
    }

    /// <summary>Resident set size now, in bytes.</summary>
    public static long RssBytes(int pid) => StatusKb(pid, "VmRSS:") * 1024;

    /// <summary>Peak resident set size (high-water mark), in bytes.</summary>
    public static long PeakRssBytes(int pid) => StatusKb(pid, "VmHWM:") * 1024;

    private static long StatusKb(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0]);
            }
        }
        throw new InvalidOperationException($"{field} not in /proc/{pid}/status");
    }

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

    public static double LoadAverage1() => double.Parse(LoadAverage().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
}
