using System.Runtime.InteropServices;
using System.Text;

namespace JobExporter.Jsonnet;

/// <summary>
/// One jsonnet virtual machine (libjsonnet's <c>JsonnetVm</c>). Settings (library paths, external variables,
/// top-level arguments, limits) stay in force for every later evaluation.
/// </summary>
/// <remarks>
/// A VM is not thread-safe, as in libjsonnet itself: use one VM per thread. Using it from a second thread
/// while a call is in progress throws <see cref="InvalidOperationException"/> instead of corrupting memory.
/// Every buffer the library returns is copied and freed before the call returns; dispose the VM to free it.
/// </remarks>
public sealed class JsonnetVm : IDisposable
{
    private readonly JsonnetVmHandle _handle;
    private int _owner;

    public JsonnetVm()
    {
        NativeLibraryCheck.EnsureLoaded();
        _handle = new JsonnetVmHandle();
        var vm = NativeMethods.jsonnet_make();
        if (vm == IntPtr.Zero) throw new OutOfMemoryException("jsonnet_make returned NULL.");
        Marshal.InitHandle(_handle, vm);
    }

    /// <summary>The version of the loaded libjsonnet, e.g. <c>v0.18.0</c>.</summary>
    public static string Version
    {
        get
        {
            NativeLibraryCheck.EnsureLoaded();
            return Marshal.PtrToStringUTF8(NativeMethods.jsonnet_version()) ?? "";
        }
    }

    /// <summary>Test seam: runs while the VM is held by the calling thread.</summary>
    internal Action? WhileHeld { get; set; }

    /// <summary>Adds a library search path for <c>import</c>; later paths win, as with <c>jsonnet -J</c>.</summary>
    public void AddLibraryPath(string path) => Use(h => NativeMethods.jsonnet_jpath_add(h, Checked(path)));

    /// <summary>Binds <c>std.extVar(name)</c> to a string.</summary>
    public void SetExtVar(string name, string value) => Use(h => NativeMethods.jsonnet_ext_var(h, Checked(name), Checked(value)));

    /// <summary>Binds <c>std.extVar(name)</c> to the value of a jsonnet expression.</summary>
    public void SetExtCode(string name, string code) => Use(h => NativeMethods.jsonnet_ext_code(h, Checked(name), Checked(code)));

    /// <summary>Passes a string argument to a top-level function.</summary>
    public void SetTlaVar(string name, string value) => Use(h => NativeMethods.jsonnet_tla_var(h, Checked(name), Checked(value)));

    /// <summary>Passes a jsonnet expression as an argument to a top-level function.</summary>
    public void SetTlaCode(string name, string code) => Use(h => NativeMethods.jsonnet_tla_code(h, Checked(name), Checked(code)));

    /// <summary>Deepest call stack allowed (libjsonnet's default is 500).</summary>
    public void SetMaxStack(uint frames) => Use(h => NativeMethods.jsonnet_max_stack(h, frames));

    /// <summary>Most stack frames shown in an error (libjsonnet's default is 20; 0 shows all).</summary>
    public void SetMaxTrace(uint frames) => Use(h => NativeMethods.jsonnet_max_trace(h, frames));

    /// <summary>Objects below which the garbage collector does not run (libjsonnet's default is 1000).</summary>
    public void SetGcMinObjects(uint objects) => Use(h => NativeMethods.jsonnet_gc_min_objects(h, objects));

    /// <summary>Heap growth factor that triggers a collection (libjsonnet's default is 2).</summary>
    public void SetGcGrowthTrigger(double factor) => Use(h => NativeMethods.jsonnet_gc_growth_trigger(h, factor));

    /// <summary>When true, the result must be a string and is returned raw instead of as JSON (<c>jsonnet -S</c>).</summary>
    public void SetStringOutput(bool enabled) => Use(h => NativeMethods.jsonnet_string_output(h, enabled ? 1 : 0));

    /// <summary>Evaluates a file; imports resolve relative to it, then along the library paths.</summary>
    /// <returns>The result as JSON text.</returns>
    public string EvaluateFile(string path) =>
        Use(h => TakeString(h, NativeMethods.jsonnet_evaluate_file(h, Checked(path), out var error), error));

    /// <summary>Evaluates jsonnet source; <paramref name="fileName"/> names it in errors and anchors relative imports.</summary>
    public string EvaluateSnippet(string fileName, string snippet) =>
        Use(h => TakeString(h, NativeMethods.jsonnet_evaluate_snippet(h, Checked(fileName), Checked(snippet), out var error), error));

    /// <summary>Evaluates a file whose result is an object of documents (<c>jsonnet -m</c>).</summary>
    /// <returns>Each field name with its JSON text, in libjsonnet's order (sorted by name).</returns>
    public IReadOnlyDictionary<string, string> EvaluateFileMulti(string path) =>
        Use(h => TakeMulti(h, NativeMethods.jsonnet_evaluate_file_multi(h, Checked(path), out var error), error));

    /// <summary>Evaluates jsonnet source whose result is an object of documents.</summary>
    public IReadOnlyDictionary<string, string> EvaluateSnippetMulti(string fileName, string snippet) =>
        Use(h => TakeMulti(h, NativeMethods.jsonnet_evaluate_snippet_multi(h, Checked(fileName), Checked(snippet), out var error), error));

    public void Dispose()
    {
        Enter();
        try
        {
            _handle.Dispose();
        }
        finally
        {
            Exit();
        }
    }

    private void Use(Action<JsonnetVmHandle> action) => Use(h =>
    {
        action(h);
        return 0;
    });

    private T Use<T>(Func<JsonnetVmHandle, T> action)
    {
        Enter();
        try
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            WhileHeld?.Invoke();
            return action(_handle);
        }
        finally
        {
            Exit();
        }
    }

    private void Enter()
    {
        var me = Environment.CurrentManagedThreadId;
        var owner = Interlocked.CompareExchange(ref _owner, me, 0);
        if (owner != 0)
        {
            throw new InvalidOperationException(
                $"This JsonnetVm is in use by thread {owner}; a VM must not be used from two threads at once (create one per thread).");
        }
    }

    private void Exit() => Volatile.Write(ref _owner, 0);

    // Copies the VM's buffer into a string and frees it, whether it holds a result or an error.
    private static string TakeString(JsonnetVmHandle vm, IntPtr buffer, int error)
    {
        string text;
        try
        {
            text = Marshal.PtrToStringUTF8(buffer) ?? "";
        }
        finally
        {
            Free(vm, buffer);
        }
        return error == 0 ? text : throw new JsonnetException(text.TrimEnd('\n'));
    }

    // The multi output is "name\0json\0name\0json\0...\0": pairs of strings ended by an empty name.
    // On error the buffer holds the message, as for a single result.
    private static IReadOnlyDictionary<string, string> TakeMulti(JsonnetVmHandle vm, IntPtr buffer, int error)
    {
        if (error != 0)
        {
            _ = TakeString(vm, buffer, error); // frees the buffer and throws the JsonnetException
        }
        try
        {
            var documents = new Dictionary<string, string>(StringComparer.Ordinal);
            var offset = 0;
            while (true)
            {
                var name = ReadCString(buffer, ref offset);
                if (name.Length == 0) return documents;
                documents[name] = ReadCString(buffer, ref offset);
            }
        }
        finally
        {
            Free(vm, buffer);
        }
    }

    private static unsafe string ReadCString(IntPtr buffer, ref int offset)
    {
        var start = (byte*)buffer + offset;
        var length = new ReadOnlySpan<byte>(start, int.MaxValue - offset).IndexOf((byte)0);
        var text = Encoding.UTF8.GetString(start, length);
        offset += length + 1;
        return text;
    }

    private static void Free(JsonnetVmHandle vm, IntPtr buffer)
    {
        if (buffer != IntPtr.Zero) NativeMethods.jsonnet_realloc(vm, buffer, 0);
    }

    private static string Checked(string value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        // A C string ends at the first NUL: refuse rather than silently evaluate a prefix.
        if (value.Contains('\0')) throw new ArgumentException("Must not contain a NUL character.", name);
        return value;
    }
}
