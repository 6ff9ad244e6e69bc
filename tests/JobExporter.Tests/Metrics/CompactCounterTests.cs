using System.Text;
using JobExporter.Metrics;
using Prometheus;

namespace JobExporter.Tests.Metrics;

/// <summary>
/// The job counters left prometheus-net for <see cref="CompactCounter"/>; the page must not tell. Each case drives the
/// same calls into a prometheus-net counter and a compact one and compares the text format byte for byte.
/// </summary>
public class CompactCounterTests
{
    private static readonly Dictionary<string, string> Static = new() { ["env"] = "prod \"eu\"", ["stream"] = "jobs.events/*.*.w-1" };
    private static readonly string[] Labels = ["system", "name", "hostname"];
    private const string Help = "Jobs \"received\" by a worker \\ with a backslash.";

    private sealed class Pair
    {
        private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
        private readonly Counter _theirs;

        public Pair(IReadOnlyDictionary<string, string> staticLabels)
        {
            _theirs = Prometheus.Metrics.WithCustomRegistry(_registry).WithLabels(staticLabels.ToDictionary()).CreateCounter("jobs_received_total", Help, Labels);
            Ours = new CompactCounter("jobs_received_total", Help, Labels, staticLabels);
        }

        public CompactCounter Ours { get; }

        public void Inc(double by, params string[] labels)
        {
            _theirs.WithLabels(labels).Inc(by);
            Ours.WithLabels([.. labels]).Inc(by);
        }

        public void Remove(params string[] labels)
        {
            _theirs.RemoveLabelled(labels);
            Ours.RemoveLabelled(labels);
        }

        public async Task<(string Theirs, string Ours)> PagesAsync()
        {
            using var theirs = new MemoryStream();
            await _registry.CollectAndExportAsTextAsync(theirs);
            using var ours = new MemoryStream();
            await Ours.WriteAsync(ours, CancellationToken.None);
            return (Encoding.UTF8.GetString(theirs.ToArray()), Encoding.UTF8.GetString(ours.ToArray()));
        }
    }

    [Test]
    public async Task Values_and_escaped_label_values_are_written_as_prometheus_net_writes_them()
    {
        var pair = new Pair(Static);
        pair.Inc(0, "hangfire", "Send", "web-1");
        pair.Inc(1, "hangfire", "Quote \"me\"", "web-1");
        pair.Inc(0.1 + 0.2, "celery", "back\\slash\nnewline", "web-2");
        pair.Inc(123456789012345, "celery", "Émile ☃ 𝄞", "web-2");
        pair.Inc(1e21, "masstransit", "", "web-3");
        var (theirs, ours) = await pair.PagesAsync();
        Assert.That(ours, Is.EqualTo(theirs));
        Assert.That(ours, Does.Contain("name=\"Quote \\\"me\\\"\""), "the case covers escaping");
    }

    [Test]
    public async Task Series_removed_and_added_again_come_in_prometheus_net_order()
    {
        var pair = new Pair(Static);
        for (var i = 0; i < 20; i++) pair.Inc(i, "hangfire", $"Job{i}", $"web-{i % 4}");
        foreach (var i in new[] { 3, 11, 7, 0 }) pair.Remove("hangfire", $"Job{i}", $"web-{i % 4}");
        pair.Inc(1, "hangfire", "Late1", "web-9");
        pair.Inc(1, "hangfire", "Late2", "web-9");
        pair.Inc(1, "hangfire", "Job5", "web-1");
        var (theirs, ours) = await pair.PagesAsync();
        Assert.That(ours, Is.EqualTo(theirs));
        Assert.That(ours.IndexOf("Late1", StringComparison.Ordinal), Is.LessThan(ours.IndexOf("Job1\"", StringComparison.Ordinal)),
            "a new series takes the place of the last one removed, as in prometheus-net's dictionary");
    }

    [Test]
    public async Task A_family_without_static_labels_and_one_of_a_hundred_thousand_series_match_too()
    {
        var bare = new Pair(new Dictionary<string, string>());
        bare.Inc(2, "hangfire", "Send", "web-1");
        var (theirs, ours) = await bare.PagesAsync();
        Assert.That(ours, Is.EqualTo(theirs));

        // Past the 64 KiB buffer the page is written through, and a label value longer than the buffer alone.
        var many = new Pair(Static);
        for (var i = 0; i < 100_000; i++) many.Inc(i % 7, "hangfire", $"Job{i % 1000}", $"worker-{i / 1000:D4}");
        many.Inc(1, "hangfire", new string('x', 70_000), "web-1");
        (theirs, ours) = await many.PagesAsync();
        Assert.That(ours.Length, Is.EqualTo(theirs.Length));
        Assert.That(ours, Is.EqualTo(theirs));
    }

    [Test]
    public void The_same_label_values_find_the_same_series_and_a_wrong_count_is_refused()
    {
        var counter = new CompactCounter("jobs_received_total", Help, Labels, Static);
        var first = counter.WithLabels("hangfire", "Send", "web-1");
        first.Inc();
        Assert.That(counter.WithLabels("hangfire", "Send", "web-1"), Is.SameAs(first));
        Assert.That(counter.WithLabels("hangfire", "Send", "web-1").Value, Is.EqualTo(1));
        Assert.That(counter.Count, Is.EqualTo(1));
        Assert.Throws<ArgumentException>(() => counter.WithLabels("hangfire", "Send"));
        Assert.Throws<ArgumentOutOfRangeException>(() => first.Inc(-1));
    }
}
