using System.Runtime.InteropServices;

namespace JobExporter.Jsonnet.Tests;

/// <summary>
/// Bytes the C allocator has handed out and not had back, across all of glibc's arenas: what a missing
/// <c>jsonnet_realloc(..., 0)</c> or <c>jsonnet_destroy</c> would grow. Unlike the resident set, it does not
/// move with the GC heap, arena caching or transparent huge pages.
/// </summary>
internal static class CHeap
{
    public static long BytesInUse()
    {
        var info = mallinfo2();
        // uordblks: in-use chunks inside the arenas; hblkhd: chunks large enough to get their own mmap.
        return checked((long)(info.uordblks + info.hblkhd));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc.so.6")]
    private static extern MallInfo2 mallinfo2();
}
