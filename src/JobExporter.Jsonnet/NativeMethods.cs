using System.Runtime.InteropServices;

namespace JobExporter.Jsonnet;

/// <summary>
/// The C API of libjsonnet 0.18 (libjsonnet.h). Strings in are UTF-8; strings out are buffers the VM
/// allocated, which must go back through <c>jsonnet_realloc(vm, buf, 0)</c>, so they stay raw pointers here.
/// </summary>
internal static partial class NativeMethods
{
    internal const string Library = "libjsonnet.so.0";

    [LibraryImport(Library)]
    internal static partial IntPtr jsonnet_version();

    [LibraryImport(Library)]
    internal static partial IntPtr jsonnet_make();

    [LibraryImport(Library)]
    internal static partial void jsonnet_destroy(IntPtr vm);

    [LibraryImport(Library)]
    internal static partial void jsonnet_max_stack(JsonnetVmHandle vm, uint v);

    [LibraryImport(Library)]
    internal static partial void jsonnet_max_trace(JsonnetVmHandle vm, uint v);

    [LibraryImport(Library)]
    internal static partial void jsonnet_gc_min_objects(JsonnetVmHandle vm, uint v);

    [LibraryImport(Library)]
    internal static partial void jsonnet_gc_growth_trigger(JsonnetVmHandle vm, double v);

    [LibraryImport(Library)]
    internal static partial void jsonnet_string_output(JsonnetVmHandle vm, int v);

    [LibraryImport(Library)]
    internal static partial IntPtr jsonnet_realloc(JsonnetVmHandle vm, IntPtr buf, nuint sz);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void jsonnet_ext_var(JsonnetVmHandle vm, string key, string val);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void jsonnet_ext_code(JsonnetVmHandle vm, string key, string val);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void jsonnet_tla_var(JsonnetVmHandle vm, string key, string val);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void jsonnet_tla_code(JsonnetVmHandle vm, string key, string val);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void jsonnet_jpath_add(JsonnetVmHandle vm, string v);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr jsonnet_evaluate_file(JsonnetVmHandle vm, string filename, out int error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr jsonnet_evaluate_snippet(JsonnetVmHandle vm, string filename, string snippet, out int error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr jsonnet_evaluate_file_multi(JsonnetVmHandle vm, string filename, out int error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr jsonnet_evaluate_snippet_multi(JsonnetVmHandle vm, string filename, string snippet, out int error);
}
