using System.Runtime.InteropServices;

namespace JobExporter.Jsonnet;

/// <summary>Owns one <c>struct JsonnetVm*</c>; the runtime calls <c>jsonnet_destroy</c> exactly once, even on finalization.</summary>
internal sealed class JsonnetVmHandle : SafeHandle
{
    public JsonnetVmHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.jsonnet_destroy(handle);
        return true;
    }
}
