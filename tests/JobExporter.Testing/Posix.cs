using System.Runtime.InteropServices;

namespace JobExporter.Testing;

/// <summary>Signals that .NET's Process class does not send.</summary>
public static partial class Posix
{
    private const int SIGTERM = 15;

    public static void Terminate(int pid) => _ = kill(pid, SIGTERM);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
