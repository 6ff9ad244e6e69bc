namespace JobExporter.Configuration;

/// <summary>
/// One command-line flag: its name, its default as text (null: none), and what --help says of it.
/// An <paramref name="EnvironmentOnly"/> flag holds a secret: it is read from its environment variable only, never from
/// the command line, where every local user could read it in the process list.
/// </summary>
internal sealed record Flag(string Name, string? Default, string Help, bool Repeatable = false, bool IsSwitch = false, bool EnvironmentOnly = false)
{
    /// <summary>The environment variable that sets the flag: <c>--broker.url</c> is <c>JOBEXPORTER_BROKER_URL</c>.</summary>
    public string EnvironmentVariable => "JOBEXPORTER_" + Name.ToUpperInvariant().Replace('.', '_').Replace('-', '_');
}
