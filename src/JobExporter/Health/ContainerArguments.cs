using System.Text;

namespace JobExporter.Health;

/// <summary>
/// The exporter's own command-line flags as seen from a health check in its container. A HEALTHCHECK runs a new
/// process next to the exporter: it inherits the container's environment, but not the arguments given to
/// <c>docker run image --flag value</c>. Those are the arguments of process 1 when that process is this same executable.
/// </summary>
internal static class ContainerArguments
{
    /// <summary>Process 1's arguments (its name left out) when it runs this executable; otherwise none.</summary>
    public static IReadOnlyList<string> OfProcessOne()
    {
        try
        {
            if (Environment.ProcessId == 1 || Environment.ProcessPath is not { } self) return [];
            var exporter = File.ResolveLinkTarget("/proc/1/exe", returnFinalTarget: true)?.FullName;
            var own = File.ResolveLinkTarget(self, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(self);
            if (exporter is null || exporter != own) return [];
            return Parse(File.ReadAllBytes("/proc/1/cmdline"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or process 1 belongs to someone else: the health check's own flags and environment are all there is.
            return [];
        }
    }

    /// <summary>The arguments in a <c>/proc/PID/cmdline</c> (NUL-separated, the program first), without the program.</summary>
    public static IReadOnlyList<string> Parse(ReadOnlySpan<byte> cmdline)
    {
        var all = Encoding.UTF8.GetString(cmdline).TrimEnd('\0').Split('\0');
        return all.Length <= 1 ? [] : all[1..];
    }
}
