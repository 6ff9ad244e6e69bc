using System.Runtime.InteropServices;

namespace JobExporter.Testing;

/// <summary>Signals that .NET's Process class does not send.</summary>
public static partial class Posix
{
    private const int SIGTERM = 15;
    private const int SIGCONT = 18;
    private const int SIGSTOP = 19;

    public static void Terminate(int pid) => _ = kill(pid, SIGTERM);

    /// <summary>Freezes the process (SIGSTOP), as a long GC pause, a stopped container or a starved VM would.</summary>
    public static void Pause(int pid) => _ = kill(pid, SIGSTOP);

    /// <summary>Lets a paused process run again (SIGCONT).</summary>
    public static void Resume(int pid) => _ = kill(pid, SIGCONT);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
