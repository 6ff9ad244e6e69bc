using System.Reflection;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Security;

/// <summary>
/// bcrypt hashes made with BCrypt.Net-Next, the library the exporter verifies them with, loaded from the exporter's
/// build output (this project references the exporter as a process, not as an assembly, so not its packages).
/// </summary>
internal static class Bcrypt
{
    private static readonly Lazy<MethodInfo> HashPassword = new(() =>
        Assembly.LoadFrom(Path.Combine(Path.GetDirectoryName(RepositoryPaths.ExporterDll)!, "BCrypt-Net-Next.dll"))
            .GetType("BCrypt.Net.BCrypt", throwOnError: true)!
            .GetMethod("HashPassword", [typeof(string), typeof(int), typeof(bool)])!);

    public static string Hash(string password, int cost = 10) => (string)HashPassword.Value.Invoke(null, [password, cost, false])!;
}
