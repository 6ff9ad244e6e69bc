using System.Text.RegularExpressions;
using JobExporter.Configuration;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.Tests.Documentation;

/// <summary>
/// The reference pages are what a newcomer trusts: every flag (docs/flags.md), every rejection reason and bound
/// (docs/event-format.md) and every metric (docs/metrics.md) they name must be the real ones.
/// </summary>
public class ReferencePagesTests
{
    private static readonly string FlagsPage = DocPages.Read("flags");
    private static readonly string EventFormatPage = DocPages.Read("event-format");
    private static readonly string MetricsPage = DocPages.Read("metrics");

    [Test]
    public void The_flags_page_documents_every_flag_with_its_environment_variable_and_default()
    {
        foreach (var flag in Flags.All.Where(f => f.Name is not ("help" or "version")))
        {
            var row = FlagsPage.Split('\n').FirstOrDefault(l => l.StartsWith($"| `--{flag.Name}` |", StringComparison.Ordinal));
            Assert.That(row, Is.Not.Null, $"--{flag.Name} has no row in docs/flags.md's table");
            Assert.That(row, Does.Contain($"`{flag.EnvironmentVariable}`"));
            Assert.That(row, Does.Contain(flag.Default is null ? "| none |" : $"| `{flag.Default}` |"), $"--{flag.Name}");
        }
    }

    [Test]
    public void The_event_format_page_names_every_reason_an_event_is_rejected_for_and_every_bound_a_value_has()
    {
        foreach (var reason in InvalidReasons.All) Assert.That(EventFormatPage, Does.Contain($"`{reason}`"), reason);
        string Thousands(double value) => value.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(EventFormatPage, Does.Contain($"from {Thousands(EventBounds.MinTimestamp)} to {Thousands(EventBounds.MaxTimestamp)} (2100-01-01)"));
        Assert.That(DateTimeOffset.FromUnixTimeSeconds((long)EventBounds.MaxTimestamp), Is.EqualTo(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(EventFormatPage, Does.Contain($"0 to {Thousands(EventBounds.MaxDurationSeconds)} s (365 days)"));
        Assert.That(EventFormatPage, Does.Contain($"0 to {Thousands(EventBounds.MaxIntervalSeconds)} s (one day;"));
        Assert.That(EventBounds.MaxCount, Is.EqualTo(1L << 53), "docs/event-format.md says 2^53");
    }

    [Test]
    public void The_flags_page_names_no_flag_that_does_not_exist()
    {
        var documented = Regex.Matches(FlagsPage, @"^\| `--([a-z.-]+)` \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value);
        Assert.That(documented, Is.SubsetOf(Flags.All.Select(f => f.Name)));
    }

    [Test]
    public async Task The_metrics_page_documents_every_metric_family_the_exporter_serves()
    {
        var page = await new TestExporter().Metrics.RenderAsync();
        var families = Regex.Matches(page, @"^# TYPE (\S+) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.That(families, Has.Count.GreaterThan(20));
        foreach (var family in families)
        {
            Assert.That(MetricsPage, Does.Contain($"| `{family}` |"), family);
        }
    }

    [Test]
    public void The_metrics_page_names_every_label_the_page_shows()
    {
        var exporter = new TestExporter(null, "--systems", "hangfire");
        exporter.Apply(exporter.Worker(EventType.WorkerHeartbeat, dropped: 1) with { PublishFailures = 1, BacklogFailures = 1 },
            exporter.Job(EventType.JobSent), exporter.Job(EventType.JobStarted) with { Wait = 1 },
            exporter.Job(EventType.JobRetried) with { Exception = "IOException" }, exporter.Job(EventType.JobFailed) with { Runtime = 1, Exception = "IOException" });
        var rows = MetricsPage.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)).ToList();
        foreach (var series in exporter.Scrape().All)
        {
            var family = new[] { "_bucket", "_sum", "_count" }.Where(series.Name.EndsWith).Select(suffix => series.Name[..^suffix.Length])
                .FirstOrDefault(f => rows.Any(r => r.StartsWith($"| `{f}` |", StringComparison.Ordinal))) ?? series.Name;
            var row = rows.Single(r => r.StartsWith($"| `{family}` |", StringComparison.Ordinal));
            var labelCell = row.Split('|')[3];
            foreach (var label in series.Labels.Keys.Where(l => l != "le"))
            {
                Assert.That(Regex.IsMatch(labelCell, $@"\b{label}\b"), $"{family}'s row does not name its label {label}: {labelCell}");
            }
        }
    }
}
