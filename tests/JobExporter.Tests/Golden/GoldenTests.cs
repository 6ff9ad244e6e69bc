using JobExporter.Testing;

namespace JobExporter.Tests.Golden;

/// <summary>
/// A recorded stream of messages in, the exact /metrics page out, compared with a checked-in .prom file.
/// Set UPDATE_GOLDEN=1 to rewrite the .prom files after an intended change, and review the diff.
/// </summary>
public class GoldenTests
{
    private static string SourceFolder => Path.Combine(RepositoryPaths.Root, "tests", "JobExporter.Tests", "Golden");

    // The page as deployed by default, and the same stream with the job counters' hostname dropped.
    [TestCase("mixed-stream", "mixed-stream")]
    [TestCase("mixed-stream", "mixed-stream-no-job-hostname", "--no-metrics.job-hostname")]
    public async Task A_recorded_stream_renders_exactly_the_golden_metrics(string input, string name, params string[] flags)
    {
        var actual = await Render(input, flags);
        var goldenPath = Path.Combine(SourceFolder, $"{name}.prom");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(goldenPath, actual);
        }
        Assert.That(actual, Is.EqualTo(await File.ReadAllTextAsync(goldenPath)), $"{name}.prom differs; rerun with UPDATE_GOLDEN=1 if the change is intended");
    }

    [TestCase("mixed-stream")]
    [TestCase("mixed-stream-no-job-hostname")]
    public async Task The_golden_metrics_pass_promtool_check_metrics(string name)
    {
        var promtool = "/usr/bin/promtool";
        Assert.That(File.Exists(promtool), "promtool is missing: run make deps (Debian package prometheus)");
        var input = Path.Combine(SourceFolder, $"{name}.prom");
        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"{promtool} check metrics < '{input}'"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
    }

    // Each line of the .jsonl file is one message body; a line "# advance 90s" moves the clock.
    private static async Task<string> Render(string input, string[] flags)
    {
        var exporter = new TestExporter(null, ["--systems", "hangfire,masstransit", "--metrics.max-values", "50", "--worker.purge-after", "5m", .. flags]);
        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(SourceFolder, $"{input}.jsonl")))
        {
            if (line.StartsWith("# advance ", StringComparison.Ordinal))
            {
                JobExporter.Configuration.DurationParser.TryParse(line["# advance ".Length..], out var by);
                for (var t = TimeSpan.Zero; t < by; t += TimeSpan.FromSeconds(1)) exporter.Advance(TimeSpan.FromSeconds(1));
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                exporter.Receive(line);
            }
        }
        return await exporter.Metrics.RenderAsync();
    }
}
