using System.Text;

namespace JobExporter.Configuration;

/// <summary>What --help prints: every flag, its environment variable and its default.</summary>
internal static class HelpText
{
    public static string Render()
    {
        var text = new StringBuilder();
        text.AppendLine("usage: jobexporter [flags]");
        text.AppendLine();
        text.AppendLine("Job and worker events from RabbitMQ in, Prometheus metrics out.");
        text.AppendLine("Every flag can also be set by its environment variable; a flag on the command line wins.");
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
