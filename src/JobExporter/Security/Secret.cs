namespace JobExporter.Security;

/// <summary>
/// A secret value (a broker password). It prints as <c>***</c>, so that logging an options record, an exception
/// or a string interpolation never shows it; only <see cref="Reveal"/> gives the value, to the code that must send it.
/// </summary>
internal sealed class Secret(string value)
{
    public string Reveal() => value;

    public override string ToString() => "***";
}
