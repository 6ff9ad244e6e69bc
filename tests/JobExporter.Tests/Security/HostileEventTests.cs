using System.Diagnostics;
using System.Text;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.Tests.Security;

/// <summary>
/// Events from a publisher that is broken or hostile, through the parser and the applier as the exporter runs them:
/// each is rejected and counted, or its label values are sanitised; none crashes, none leaves the page invalid.
/// Plain malformed input (not JSON, wrong types, too deep) is covered by EventParserTests.
/// </summary>
public class HostileEventTests
{
    private static string Event(string name = "Job", string queue = "default", string id = "x1", string extra = "") =>
        $$"""{"v":1,"type":"job-succeeded","id":"{{id}}","ts":1700000000,"system":"hangfire","hostname":"w1","name":{{name}},"queue":{{Json(queue)}},"runtime":0.5{{extra}}}""";

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static double Invalid(MetricsSnapshot page, string reason) => page.Value("jobs_exporter_events_invalid_total", ("reason", reason)) ?? 0;

    private static double Succeeded(MetricsSnapshot page) => page.Value("jobs_succeeded_total") ?? 0;

    private static IEnumerable<string> Names(MetricsSnapshot page) => page.Find("jobs_succeeded_total").Select(s => s.Labels["name"]);

    [Test]
    public void A_400_kb_job_name_is_counted_under_a_name_cut_to_the_label_length()
    {
        var exporter = new TestExporter();
        exporter.Receive(Event(Json(new string('N', 400_000))));
        var page = exporter.Scrape();
        Assert.That(Succeeded(page), Is.EqualTo(1));
        Assert.That(Names(page).Single(), Is.EqualTo(new string('N', 128)));
    }

    [Test]
    public void A_body_one_byte_over_the_limit_is_rejected_as_too_large_before_it_is_read()
    {
        var exporter = new TestExporter();
        var body = Event(Json(new string('N', 512 * 1024)));
        exporter.Receive(body);
        Assert.That(Invalid(exporter.Scrape(), InvalidReasons.TooLarge), Is.EqualTo(1));
        Assert.That(Succeeded(exporter.Scrape()), Is.EqualTo(0));
    }

    [Test]
    public async Task Control_characters_quotes_backslashes_and_newlines_in_labels_leave_a_valid_page()
    {
        var exporter = new TestExporter();
        exporter.Receive(Event(Json("a\"b\\c\nd\re\tf\u0000g\u007f}{# HELP x"), queue: "q\"\n} 1\nfake_metric 42", id: "h1"));
        exporter.Receive(Event(Json("\u2028line\u2029sep\ud83d\ude00"), id: "h2"));
        var text = await exporter.Metrics.RenderAsync();
        var page = MetricsSnapshot.Parse(text);
        Assert.That(Succeeded(page), Is.GreaterThanOrEqualTo(2));
        Assert.That(text, Does.Not.Contain("\nfake_metric"));
        Assert.That(Names(page), Does.Contain("a\"b\\c_d_e_f_g_}{# HELP x"));
        await AssertPromtoolAcceptsAsync(text);
    }

    [Test]
    public void A_lone_escaped_surrogate_is_rejected_without_losing_the_rest_of_the_batch()
    {
        var exporter = new TestExporter();
        exporter.Receive("[" + Event("\"lone\\ud800surrogate\"", id: "s1") + "," + Event(Json("After"), id: "s2") + "]");
        var page = exporter.Scrape();
        Assert.That(Invalid(page, InvalidReasons.WrongType), Is.EqualTo(1));
        Assert.That(Names(page), Is.EqualTo(new[] { "After" }));
    }

    [TestCase("1e309", InvalidReasons.InvalidValue)]
    [TestCase("-1e309", InvalidReasons.InvalidValue)]
    [TestCase("\"NaN\"", InvalidReasons.WrongType)]
    [TestCase("\"Infinity\"", InvalidReasons.WrongType)]
    [TestCase("1e308", InvalidReasons.InvalidValue)]
    [TestCase("31536000", null)]
    public void Numbers_beyond_double_or_spelt_as_strings_are_rejected(string runtime, string? reason)
    {
        var exporter = new TestExporter();
        exporter.Receive(Event(Json("J")).Replace("\"runtime\":0.5", $"\"runtime\":{runtime}"));
        var page = exporter.Scrape();
        if (reason is null)
        {
            Assert.That(Succeeded(page), Is.EqualTo(1));
            Assert.That(page.Value("jobs_runtime_seconds_count", ("name", "J")), Is.EqualTo(1));
        }
        else
        {
            Assert.That(Invalid(page, reason), Is.EqualTo(1), page.Text);
            Assert.That(Succeeded(page), Is.EqualTo(0));
        }
    }

    [Test]
    public void A_ts_beyond_double_is_rejected()
    {
        var exporter = new TestExporter();
        exporter.Receive(Event(Json("J")).Replace("\"ts\":1700000000", "\"ts\":1e400"));
        Assert.That(Invalid(exporter.Scrape(), InvalidReasons.InvalidValue), Is.EqualTo(1));
    }

    [Test]
    public void With_duplicate_keys_the_last_value_is_the_one_checked_and_counted()
    {
        var exporter = new TestExporter();
        exporter.Receive(Event(Json("First"), extra: ",\"name\":\"Last\""));
        exporter.Receive(Event(Json("J"), id: "d2", extra: ",\"runtime\":-5"));
        exporter.Receive(Event(Json("J"), id: "d3", extra: ",\"type\":\"job-exploded\""));
        var page = exporter.Scrape();
        Assert.That(Names(page), Is.EqualTo(new[] { "Last" }));
        Assert.That(Invalid(page, InvalidReasons.InvalidValue), Is.EqualTo(1));
        Assert.That(Invalid(page, InvalidReasons.UnknownType), Is.EqualTo(1));
    }

    [Test]
    public void Nesting_deep_in_an_unknown_field_is_rejected_as_too_deep()
    {
        var exporter = new TestExporter();
        exporter.Receive(Event(Json("J"), extra: ",\"junk\":" + new string('[', 100_000) + new string(']', 100_000)));
        Assert.That(Invalid(exporter.Scrape(), InvalidReasons.TooDeep), Is.EqualTo(1));
    }

    [Test]
    public void Ten_million_tiny_elements_are_rejected_as_too_large_at_once()
    {
        var body = new byte[20_000_001];
        body[0] = (byte)'[';
        for (var i = 1; i < body.Length - 1; i += 2)
        {
            body[i] = (byte)'0';
            body[i + 1] = (byte)',';
        }
        body[^2] = (byte)'0';
        body[^1] = (byte)']';
        var (exporter, elapsed, allocated) = Measure(body);
        Assert.That(Invalid(exporter.Scrape(), InvalidReasons.TooLarge), Is.EqualTo(1));
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
        Assert.That(allocated, Is.LessThan(64 * 1024));
    }

    [TestCase("0", InvalidReasons.NotAnObject)]
    [TestCase("{}", InvalidReasons.MissingField)]
    [TestCase("[]", InvalidReasons.NotAnObject)]
    public void A_batch_of_tiny_elements_as_large_as_allowed_costs_little_and_is_cut_at_the_event_limit(string element, string reason)
    {
        var count = 512 * 1024 / (element.Length + 1) - 1;
        var body = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat(element, count)) + "]");
        var (exporter, elapsed, allocated) = Measure(body);
        var page = exporter.Scrape();
        Assert.That(Invalid(page, reason), Is.EqualTo(EventParserLimits.Default.MaxBatchEvents));
        Assert.That(Invalid(page, InvalidReasons.BatchTooLarge), Is.EqualTo(1));
        TestContext.Out.WriteLine($"{count:N0} x {element} ({body.Length:N0} bytes): {elapsed.TotalMilliseconds:F0} ms, {allocated / 1024:N0} KiB allocated");
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That(allocated, Is.LessThan(16 * 1024 * 1024));
    }

    [Test]
    public void A_batch_of_ten_thousand_good_events_with_hostile_names_uses_at_most_the_label_value_cap()
    {
        var exporter = new TestExporter(null, "--metrics.max-values", "50");
        var events = Enumerable.Range(0, 3000).Select(i => Event(Json($"Job{i}\n\"{i}"), id: $"b{i}"));
        exporter.Receive("[" + string.Join(",", events) + "]");
        var page = exporter.Scrape();
        Assert.That(Succeeded(page), Is.EqualTo(3000));
        Assert.That(Names(page).Distinct().Count(), Is.EqualTo(51), "50 names and __other__");
    }

    private static (TestExporter Exporter, TimeSpan Elapsed, long Allocated) Measure(byte[] body)
    {
        var exporter = new TestExporter();
        exporter.Receive("[]");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        exporter.Receive(body);
        clock.Stop();
        return (exporter, clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static async Task AssertPromtoolAcceptsAsync(string page)
    {
        const string promtool = "/usr/bin/promtool";
        Assert.That(File.Exists(promtool), "promtool is missing: run make deps (Debian package prometheus)");
        using var folder = new TempFolder("promtool");
        File.WriteAllText(folder.File("page.prom"), page);
        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"{promtool} check metrics < '{folder.File("page.prom")}'"], timeout: TimeSpan.FromSeconds(30));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
    }
}
