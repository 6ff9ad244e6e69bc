using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>
/// `make image-check` (scripts/image-check.sh): the image built with podman and run, its uid, build_info and HEALTHCHECK
/// under TLS, basic auth and another listen address. It takes minutes and needs root and podman, so it runs only with
/// IMAGE_CHECK=1 (`IMAGE_CHECK=1 make test`, or `make image-check` alone).
/// </summary>
public class ImageCheckTests
{
    [Test]
    [CancelAfter(1_800_000)]
    public async Task The_built_image_passes_every_check_of_make_image_check()
    {
        if (Environment.GetEnvironmentVariable("IMAGE_CHECK") != "1")
        {
            Assert.Ignore("the image check builds and runs the image with podman (minutes, as root): set IMAGE_CHECK=1 to run it, or run make image-check");
        }
        var result = await ProcessRunner.RunAsync("bash", [Path.Combine(RepositoryPaths.Root, "scripts", "image-check.sh")],
            timeout: TimeSpan.FromMinutes(29));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.Output, Does.Contain("image-check: every check passed").And.Not.Contain("FAIL "));
    }
}
