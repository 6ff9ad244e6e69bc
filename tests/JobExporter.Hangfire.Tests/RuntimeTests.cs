using System.Reflection;
using System.Runtime.Versioning;

namespace JobExporter.Hangfire.Tests;

/// <summary>The tests of each build run on that build's runtime: the net8.0 build on .NET 8, not rolled forward.</summary>
[TestFixture]
public sealed class RuntimeTests
{
    [Test]
    public void The_tests_run_on_the_runtime_their_build_targets()
    {
        var target = typeof(RuntimeTests).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName; // ".NETCoreApp,Version=v8.0"
        var major = int.Parse(target[(target.IndexOf("=v", StringComparison.Ordinal) + 2)..].Split('.')[0]);
        TestContext.Out.WriteLine($"{target} on {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        Assert.That(Environment.Version.Major, Is.EqualTo(major));
    }
}
