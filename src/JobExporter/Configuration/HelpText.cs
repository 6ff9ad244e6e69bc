using System.Text;
using JobExporter.Health;

namespace JobExporter.Configuration;

/// <summary>What --help prints: every flag, its environment variable and its default.</summary>
internal static class HelpText
{
    public static string Render()
    {
        var text = new StringBuilder();
        text.AppendLine("usage: jobexporter [flags]");
        text.AppendLine($"       jobexporter {HealthCheckCommand.Name} [--ready] [flags]");
        text.AppendLine();
        text.AppendLine("Job and worker events from RabbitMQ in, Prometheus metrics out.");
        text.AppendLine("Every flag can also be set by its environment variable; a flag on the command line wins.");
        text.AppendLine();
        // The image's HEALTHCHECK runs this mode: a user reading --help in the container should find it.
        text.AppendLine($"{HealthCheckCommand.Name}: asks the running exporter for /healthz (with --ready, /readyz) where and how it");
        text.AppendLine("  serves: the same flags and environment (listen address, TLS and basic auth of --web.config.file); with no");
        text.AppendLine("  flags, those of the exporter running as process 1, as in the image. Exit 0 healthy, 1 not; one line says why.");
        text.AppendLine($"  Behind basic auth it sends {HealthCredentials.UserVariable} and {HealthCredentials.PasswordVariable}");
        text.AppendLine($"  (or {HealthCredentials.PasswordFileVariable}) when set, and requires a 200; otherwise the 401 challenge counts as alive.");
        text.AppendLine();
        text.AppendLine("Flags:");
        foreach (var flag in Flags.All)
        {
            var usage = flag.IsSwitch ? $"--{flag.Name}" : flag.EnvironmentOnly ? $"{flag.EnvironmentVariable}=VALUE (environment only)" : $"--{flag.Name}=VALUE";
            text.AppendLine($"  {usage}");
            text.Append($"      {flag.Help}");
            if (flag.Default is not null && flag.Name is not ("help" or "version")) text.Append($" (default: {flag.Default})");
            text.AppendLine();
            if (flag.Name is not ("help" or "version")) text.AppendLine($"      env: {flag.EnvironmentVariable}");
        }
        return text.ToString();
    }
}
