using NUnit.Framework;

namespace JobExporter.Testing;

/// <summary>
/// Compiled into each test project that also builds for net8.0 (a linked file, not part of JobExporter.Testing itself).
/// The tests of each build run on that build's runtime: the net8.0 build on .NET 8, not rolled forward.
/// </summary>
[TestFixture]
public sealed class RuntimeTests
{
    [Test]
    public void The_tests_run_on_the_runtime_their_build_targets()
    {
        TestContext.Out.WriteLine(System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
        Assert.That(Environment.Version.Major, Is.EqualTo(TestRuntime.TargetMajor(typeof(RuntimeTests).Assembly)));
    }
}
