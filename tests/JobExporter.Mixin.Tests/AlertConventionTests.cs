using System.Text.Json;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace JobExporter.Mixin.Tests;

/// <summary>The house rules for alerts: names, severities, annotations, runbook anchors and dashboard links.</summary>
public sealed class AlertConventionTests
{
    private static readonly List<JsonElement> Alerts = Mixin.Alerts().ToList();

    private static IEnumerable<string> AlertNames() => Mixin.Alerts().Select(a => a.GetProperty("alert").GetString()!).Distinct();

    [Test]
    public void Alert_names_are_CamelCase_with_one_shared_prefix()
    {
        Assert.That(AlertNames(), Has.All.Match("^JobExporter[A-Z][A-Za-z]+$"));
        Assert.That(AlertNames().Count(), Is.GreaterThanOrEqualTo(11));
    }

    [TestCaseSource(nameof(AlertNames))]
    public void Alert_has_severity_summary_description_and_links(string name)
    {
        foreach (var alert in Alerts.Where(a => a.GetProperty("alert").GetString() == name))
        {
            var severity = alert.GetProperty("labels").GetProperty("severity").GetString();
            var annotations = alert.GetProperty("annotations");
            var summary = annotations.GetProperty("summary").GetString()!;
            var description = annotations.GetProperty("description").GetString()!;
            Assert.That(severity, Is.AnyOf("critical", "warning", "info"));
            Assert.That(summary, Does.EndWith(".").And.Not.Contain("{{"), "summary is static and ends with a period");
            // Absent() has no series labels to show; its description names the selector instead.
            if (name != "JobExporterAbsent") Assert.That(description, Does.Contain("{{ $labels."), "description is templated");
            Assert.That(annotations.GetProperty("runbook_url").GetString(), Does.EndWith("/mixin/runbook.md#" + name.ToLowerInvariant()));
            Assert.That(annotations.GetProperty("dashboard_url").GetString(), Does.Match("/d/jobexporter-(overview|job)/"));
            Assert.That(alert.GetProperty("for").GetString(), Does.Match("^[0-9]+[smh]$"));
        }
    }

    [TestCaseSource(nameof(AlertNames))]
    public void Runbook_has_a_section_for_the_alert(string name)
    {
        var runbook = File.ReadAllText(Mixin.File("runbook.md"));
        var section = Regex.Match(runbook, $@"^## {name}\n(.*?)(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline);

        Assert.That(section.Success, Is.True, $"runbook.md has no '## {name}' heading");
        Assert.That(section.Groups[1].Value, Does.Contain("**Meaning.**").And.Contain("**Impact.**").And.Contain("**Diagnosis.**").And.Contain("**Mitigation.**"));
    }

    [Test]
    public void Runbook_has_no_section_for_an_alert_that_does_not_exist()
    {
        var headings = Regex.Matches(File.ReadAllText(Mixin.File("runbook.md")), "^## (.+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value);

        Assert.That(headings, Is.EquivalentTo(AlertNames()));
    }

    [Test]
    public void Every_expression_uses_the_exporter_selector_or_a_recorded_series()
    {
        foreach (var rule in Alerts.Concat(Mixin.RecordingRules()))
        {
            var expr = rule.GetProperty("expr").GetString()!;
            Assert.That(expr.Contains("job=\"jobexporter\"") || expr.Contains("system_queue_name:") || expr.Contains("system:jobs_"), Is.True, expr);
        }
    }
}
