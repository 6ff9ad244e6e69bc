namespace JobExporter.Tests.Configuration;

public class BuildVersionTests
{
    [TestCase("0.1.0+3ac4a2d1f0e9b8c7d6e5f4a3b2c1d0e9f8a7b6c5", "3ac4a2d1f0e9")]
    [TestCase("0.1.0+f84b3cc", "f84b3cc")]
    [TestCase("0.1.0", "unknown")]
    [TestCase("0.1.0+", "unknown")]
    public void The_revision_is_the_commit_after_the_plus_of_the_informational_version(string informational, string revision)
    {
        Assert.That(BuildVersion.RevisionOf(informational), Is.EqualTo(revision));
    }

    [Test]
    public void This_build_knows_its_version_and_the_commit_it_was_built_from()
    {
        Assert.That(BuildVersion.Version, Does.Match(@"^\d+\.\d+\.\d+"));
        // The tests are built from a git checkout, so the SDK stamps the commit.
        Assert.That(BuildVersion.Revision, Does.Match("^[0-9a-f]{7,12}$"));
    }
}
