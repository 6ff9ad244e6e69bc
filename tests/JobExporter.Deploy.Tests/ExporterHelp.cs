using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>What the built exporter says it accepts: its flags, their environment variables and defaults, from <c>--help</c>.</summary>
internal sealed partial class ExporterHelp
{
    private static readonly Lazy<Task<ExporterHelp>> Instance = new(LoadAsync);

    private ExporterHelp(string text)
    {
        Text = text;
        Flags = FlagLine().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        EnvironmentVariables = EnvLine().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    public string Text { get; }
    public IReadOnlySet<string> Flags { get; }
    public IReadOnlySet<string> EnvironmentVariables { get; }

    /// <summary>The default of <c>--web.listen-address</c>, e.g. <c>:9821</c>.</summary>
    public string DefaultListenAddress => ListenDefault().Match(Text) is { Success: true } m
        ? m.Groups[1].Value
        : throw new InvalidOperationException("--help shows no default for --web.listen-address:\n" + Text);

    public static Task<ExporterHelp> GetAsync() => Instance.Value;

    private static async Task<ExporterHelp> LoadAsync()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [RepositoryPaths.ExporterDll, "--help"], timeout: TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0) throw new InvalidOperationException($"jobexporter --help exited with {result.ExitCode}:\n{result.Output}");
        return new ExporterHelp(result.Output);
    }

    [GeneratedRegex(@"^\s+--([a-z][a-z0-9.-]*)(?:=VALUE)?\s*$", RegexOptions.Multiline)]
    private static partial Regex FlagLine();

    [GeneratedRegex(@"^\s+env: (JOBEXPORTER_[A-Z0-9_]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex EnvLine();

    [GeneratedRegex(@"--web\.listen-address=VALUE\s*\n.*\(default: ([^)]+)\)")]
    private static partial Regex ListenDefault();
}
