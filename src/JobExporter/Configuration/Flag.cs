namespace JobExporter.Configuration;

/// <summary>One command-line flag: its name, its default as text (null: none), and what --help says of it.</summary>
internal sealed record Flag(string Name, string? Default, string Help, bool Repeatable = false, bool IsSwitch = false)
{
    /// <summary>The environment variable that sets the flag: <c>--broker.url</c> is <c>JOBEXPORTER_BROKER_URL</c>.</summary>
    public string EnvironmentVariable => "JOBEXPORTER_" + Name.ToUpperInvariant().Replace('.', '_').Replace('-', '_');
}
