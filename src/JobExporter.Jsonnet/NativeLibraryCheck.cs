using System.Runtime.InteropServices;

namespace JobExporter.Jsonnet;

/// <summary>Loads libjsonnet once, up front, so that a missing library fails with advice instead of a bare DllNotFoundException.</summary>
internal static class NativeLibraryCheck
{
    internal const string DebianPackage = "libjsonnet0";
    private static readonly Lazy<JsonnetLibraryMissingException?> Failure = new(() => TryLoad(NativeMethods.Library));

    public static void EnsureLoaded()
    {
        if (Failure.Value is { } failure) throw failure;
    }

    /// <summary>Null when <paramref name="library"/> loads; otherwise the exception to throw.</summary>
    internal static JsonnetLibraryMissingException? TryLoad(string library)
    {
        if (NativeLibrary.TryLoad(library, out _)) return null;
        return new JsonnetLibraryMissingException(
            $"Cannot load {library}, the C library of jsonnet. Install the Debian package {DebianPackage} " +
            $"(apt-get install {DebianPackage}, or `make deps`).");
    }
}
