namespace JobExporter.Testing;

/// <summary>A private folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix)
    {
        Path = Directory.CreateTempSubdirectory($"jobexporter-{prefix}-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A service that is still shutting down may hold a file; the OS temp cleaner takes the rest.
        }
    }
}
