using System.Reflection;

namespace JobExporter;

/// <summary>
/// Which build runs: the version (Directory.Build.props) and the git commit it was built from. The SDK appends the
/// commit to the informational version as "+sha" when the source is a git checkout; a build from a plain copy (an image
/// built without .git) can pass it with -p:SourceRevisionId=sha, else it reads "unknown".
/// </summary>
internal static class BuildVersion
{
    public const string UnknownRevision = "unknown";

    private static readonly string Informational =
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static string Version { get; } = Informational.Split('+')[0];

    public static string Revision { get; } = RevisionOf(Informational);

    /// <summary>The part after '+', shortened to 12 characters as git shows commits; "unknown" when there is none.</summary>
    public static string RevisionOf(string informationalVersion)
    {
        var plus = informationalVersion.IndexOf('+');
        if (plus < 0 || plus == informationalVersion.Length - 1) return UnknownRevision;
        var revision = informationalVersion[(plus + 1)..];
        return revision.Length > 12 ? revision[..12] : revision;
    }
}
