using JobExporter.Celery;
using JobExporter.Configuration;
using JobExporter.Contracts;

namespace JobExporter.Tests.Configuration;

/// <summary>The stream label: which events an exporter consumes, as the mixin reads it (copies of a stream count once, streams add up).</summary>
public class EventStreamTests
{
    private static string StreamOf(params string[] args) => OptionsReader.Read(FlagValues.Read(args, new Dictionary<string, string?>()), "h").Stream;

    [Test]
    public void A_queue_bound_with_the_hash_key_consumes_the_whole_exchange_and_is_named_by_it()
    {
        Assert.That(StreamOf(), Is.EqualTo("jobs.events"));
        Assert.That(StreamOf("--broker.exchange", "acme.jobs"), Is.EqualTo("acme.jobs"));
        Assert.That(StreamOf("--broker.binding-key", "*.*.web-1", "--broker.binding-key", "#"), Is.EqualTo("jobs.events"), "# takes everything");
    }

    [Test]
    public void A_part_of_the_exchange_is_named_by_its_binding_keys_sorted_so_the_order_given_does_not_matter()
    {
        Assert.That(StreamOf("--broker.binding-key=*.*.billing-worker-7d9f-abcde"), Is.EqualTo("jobs.events/*.*.billing-worker-7d9f-abcde"));
        Assert.That(StreamOf("--broker.binding-key", "*.*.web-2", "--broker.binding-key", "*.*.web-1"), Is.EqualTo("jobs.events/*.*.web-1,*.*.web-2"));
        Assert.That(StreamOf("--broker.binding-key", "*.*.web-1", "--broker.binding-key", "*.*.web-2"), Is.EqualTo("jobs.events/*.*.web-1,*.*.web-2"));
        Assert.That(StreamOf("--broker.binding-key", "hangfire.#", "--broker.binding-key", "hangfire.#"), Is.EqualTo("jobs.events/hangfire.#"),
            "the same key twice is one binding");
        // Ordinal: upper case sorts before lower case, the same on every machine whatever its culture.
        Assert.That(StreamOf("--broker.binding-key", "*.*.b", "--broker.binding-key", "*.*.B"), Is.EqualTo("jobs.events/*.*.B,*.*.b"));
    }

    [Test]
    public void The_binding_keys_environment_variable_names_the_same_stream_as_the_flags()
    {
        var fromEnv = OptionsReader.Read(FlagValues.Read([], new Dictionary<string, string?> { ["JOBEXPORTER_BROKER_BINDING_KEY"] = "*.*.web-2,*.*.web-1" }), "h");
        Assert.That(fromEnv.Stream, Is.EqualTo("jobs.events/*.*.web-1,*.*.web-2"));
    }

    [Test]
    public void Every_series_on_the_page_carries_the_stream_next_to_the_static_labels()
    {
        var exporter = new TestExporter(null, "--broker.binding-key", "*.*.web-1", "--metrics.static-label", "cluster=eu-1",
            "--celery.enabled", "--celery.exporter-names", "--rabbitmq.queues", "orders");
        _ = new CeleryExporterNames(exporter.Metrics);
        exporter.Apply(exporter.Worker(EventType.WorkerOnline, host: "web-1"), exporter.Job(EventType.JobSent, host: "web-1"),
            exporter.Job(EventType.JobSucceeded, host: "web-1") with { Runtime = 1 }, exporter.Job(EventType.JobStarted, host: "web-1") with { Wait = 1 },
            exporter.Job(EventType.JobSucceeded, host: "celery@web-1", system: "celery") with { Runtime = 1 });
        var m = exporter.Scrape();
        Assert.That(m.All.Select(s => s.Name).Distinct().Count(), Is.GreaterThan(30));
        Assert.That(m.All.Where(s => s.Labels.GetValueOrDefault("stream") != "jobs.events/*.*.web-1").Select(s => s.Name).Distinct(), Is.Empty);
        Assert.That(m.All.Where(s => s.Labels.GetValueOrDefault("cluster") != "eu-1").Select(s => s.Name).Distinct(), Is.Empty);
        Assert.That(m.Value("celery_task_succeeded_total", ("hostname", "web-1"), ("stream", "jobs.events/*.*.web-1")), Is.EqualTo(1));
    }
}
