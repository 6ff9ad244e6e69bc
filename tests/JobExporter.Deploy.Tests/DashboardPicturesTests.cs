using System.Text.Json;
using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>
/// The dashboard pictures of `make pictures` (scripts/dashboard_pictures.py): committed, labelled as plots of the
/// dashboards' queries, and drawn from the dashboards as they are now: the panels each picture lists are the panels of
/// its dashboard, so a changed dashboard needs new pictures.
/// </summary>
public class DashboardPicturesTests
{
    private static string Images => Path.Combine(RepositoryPaths.Root, "docs", "images");

    [TestCase("jobexporter-overview", "dashboard-overview")]
    [TestCase("jobexporter-job", "dashboard-job")]
    public void The_picture_exists_and_shows_every_panel_of_its_dashboard(string uid, string picture)
    {
        var png = File.ReadAllBytes(Path.Combine(Images, $"{picture}.png"));
        Assert.That(png.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), "a PNG file");
        Assert.That(png, Has.Length.GreaterThan(20_000), "a picture with something on it");

        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "mixin", "dashboards_out", $"{uid}.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Select(p => $"{p.GetProperty("type").GetString()}\t{p.GetProperty("title").GetString()}").ToList();
        var drawn = File.ReadAllLines(Path.Combine(Images, $"{picture}.panels.txt")).Where(l => l.Length > 0).ToList();
        Assert.That(drawn, Is.EqualTo(panels), $"docs/images/{picture}.panels.txt lists the panels of {uid}.json: run make pictures");
    }

    [Test]
    public void The_script_plots_both_dashboards_and_labels_its_pictures_as_plots_not_screenshots()
    {
        var script = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "scripts", "dashboard_pictures.py"));
        Assert.That(script, Does.Contain("\"jobexporter-overview\": \"dashboard-overview\"").And.Contain("\"jobexporter-job\": \"dashboard-job\""));
        Assert.That(script, Does.Contain("not a Grafana screenshot"));
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.That(readme.IndexOf("docs/images/dashboard-overview.png", StringComparison.Ordinal), Is.InRange(0, 3000), "the picture near the top");
    }
}
