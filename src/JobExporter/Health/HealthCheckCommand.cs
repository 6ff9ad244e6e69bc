using JobExporter.Configuration;

namespace JobExporter.Health;

/// <summary>
/// <c>jobexporter healthcheck [--ready] [flags]</c>: asks the running exporter whether it is alive (<c>/healthz</c>) or,
/// with <c>--ready</c>, connected (<c>/readyz</c>), where and how it serves: the same flags and JOBEXPORTER_* environment
/// as the exporter, its listen address, and the TLS and basic auth of its --web.config.file. Without flags of its own,
/// in a container, it takes the flags of the exporter that runs as process 1. Exit 0 healthy, 1 not (the exit codes of
/// a Docker HEALTHCHECK); one line on standard output says what it found. <c>--help</c> prints the exporter's help.
/// </summary>
internal static class HealthCheckCommand
{
    public const string Name = "healthcheck";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment)
    {
        if (args.Contains("--help"))
        {
            Console.Out.Write(HelpText.Render());
            return 0;
        }
        var ready = args.Contains("--ready");
        var flags = args.Where(a => a != "--ready").ToList();
        if (flags.Count == 0) flags.AddRange(ContainerArguments.OfProcessOne());
        ExporterOptions options;
        HealthCredentials? credentials;
        try
        {
            options = OptionsReader.Read(FlagValues.Read(flags, environment), Environment.MachineName);
            credentials = HealthCredentials.From(environment);
        }
        catch (Exception ex) when (ex is FlagException or IOException or UnauthorizedAccessException
                                       or System.Security.Cryptography.CryptographicException)
        {
            Console.Out.WriteLine($"jobexporter healthcheck: {ex.Message}");
            return 1;
        }
        var probe = new HealthProbe(options, credentials);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var result = await probe.AskAsync(ready ? "/readyz" : "/healthz", timeout.Token);
        Console.Out.WriteLine($"jobexporter healthcheck: {result.Description}");
        return result.Healthy ? 0 : 1;
    }
}
