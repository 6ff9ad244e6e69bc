using System.Reflection;
using System.Runtime.Versioning;

namespace JobExporter.Testing;

/// <summary>Which .NET a test build targets, so that a test can check it runs on that runtime (not rolled forward).</summary>
public static class TestRuntime
{
    /// <summary>The major version of the target framework of <paramref name="assembly"/>: 8 for net8.0.</summary>
    public static int TargetMajor(Assembly assembly)
    {
        var target = assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName; // ".NETCoreApp,Version=v8.0"
        return int.Parse(target[(target.IndexOf("=v", StringComparison.Ordinal) + 2)..].Split('.')[0]);
    }
}
