using System.Text;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Security;

/// <summary>
/// Hostile messages sent through RabbitMQ between good events, to the real exporter: every good event is counted,
/// every hostile one rejected (by reason) or sanitised, the process keeps running, and its page passes promtool.
/// </summary>
public class HostileEventsOverRabbitMqTests
{
    private static string Good(string id, string name = "GoodJob") =>
        $$"""{"v":1,"type":"job-succeeded","id":"{{id}}","ts":1700000000,"system":"hangfire","hostname":"w1","name":{{System.Text.Json.JsonSerializer.Serialize(name)}},"queue":"default","runtime":0.5}""";

    [Test]
    public async Task Hostile_messages_between_good_events_are_rejected_or_sanitised_and_the_page_stays_valid()
    {
        var lane = EventLane.New();
        await using var exporter = await ExporterProcess.StartAsync(SharedBroker.Node.AmqpUrl, lane.ExporterArgs);
        await exporter.WaitForMetricsAsync(m => m.Value("jobs_exporter_broker_connected") == 1, Events.Patience, "a connection");
        await using var publisher = await lane.RawPublisherAsync(SharedBroker.Node.AmqpUrl);

        var tooLarge = new byte[2_000_000];
        Array.Fill(tooLarge, (byte)'[');
        byte[][] hostile =
        [
            tooLarge,                                                                                      // too_large
            Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("0", 200_000)) + "]"),        // 10,000 not_an_object + batch_too_large
            Encoding.UTF8.GetBytes(Good("deep").Replace("\"v\":1,", "\"v\":1,\"x\":" + new string('[', 50_000) + new string(']', 50_000) + ",")), // too_deep
            Encoding.UTF8.GetBytes(Good("big").Replace("0.5", "1e309")),                                   // invalid_value
            Encoding.UTF8.GetBytes(Good("nan").Replace("0.5", "\"NaN\"")),                                 // wrong_type
            Encoding.UTF8.GetBytes(Good("long", new string('L', 400_000))),                               // cut to 128 characters
            Encoding.UTF8.GetBytes(Good("ctl", "a\"b\\c\nfake_metric 1\r\u0000}")),                       // sanitised
            Encoding.UTF8.GetBytes(Good("dup", "Trailing") + " x"),                                            // counted, then not_json
        ];
        await publisher.PublishAsync(Good("g1"));
        foreach (var body in hostile)
        {
            await publisher.PublishAsync(body);
            await publisher.PublishAsync(Good($"g{Guid.NewGuid():N}"));
        }
        var page = await exporter.WaitForMetricsAsync(m => m.Value("jobs_succeeded_total", ("name", "GoodJob")) == hostile.Length + 1,
            Events.Patience, "every good event");

        double Invalid(string reason) => page.Value("jobs_exporter_events_invalid_total", ("reason", reason)) ?? 0;
        Assert.Multiple(() =>
        {
            Assert.That(Invalid(InvalidReasons.TooLarge), Is.EqualTo(1));
            Assert.That(Invalid(InvalidReasons.NotAnObject), Is.EqualTo(10_000));
            Assert.That(Invalid(InvalidReasons.BatchTooLarge), Is.EqualTo(1));
            Assert.That(Invalid(InvalidReasons.TooDeep), Is.EqualTo(1));
            Assert.That(Invalid(InvalidReasons.InvalidValue), Is.EqualTo(1));
            Assert.That(Invalid(InvalidReasons.WrongType), Is.EqualTo(1));
            Assert.That(Invalid(InvalidReasons.NotJson), Is.EqualTo(1));
            Assert.That(page.Value("jobs_succeeded_total", ("name", new string('L', 128))), Is.EqualTo(1));
            Assert.That(page.Value("jobs_succeeded_total", ("name", "a\"b\\c_fake_metric 1__}")), Is.EqualTo(1));
            Assert.That(page.Text, Does.Not.Contain("\nfake_metric"));
            Assert.That(exporter.HasExited, Is.False);
        });

        using var folder = new TempFolder("promtool");
        File.WriteAllText(folder.File("page.prom"), page.Text);
        var check = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"/usr/bin/promtool check metrics < '{folder.File("page.prom")}'"], timeout: TimeSpan.FromSeconds(30));
        Assert.That(check.ExitCode, Is.EqualTo(0), check.Output);
    }
}
