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
    public void A_long_list_of_binding_keys_is_named_by_its_count_first_key_and_digest_the_same_in_any_order()
    {
        // A shard bound to 250 of 1,000 hosts: spelled out, the value would be 4 KB on every series.
        string[] Shard(int shard) => [.. Enumerable.Range(0, 250).Select(i => $"--broker.binding-key=*.*.worker-{i * 4 + shard:D4}")];
        var name = StreamOf(Shard(3));
        Assert.That(name, Does.Match(@"^jobs\.events/250 keys, \*\.\*\.worker-0003 first, sha256 [0-9a-f]{12}$"));
        Assert.That(StreamOf([.. Shard(3).Reverse()]), Is.EqualTo(name), "the same bindings in another order: the same stream");
        Assert.That(StreamOf(Shard(1)), Is.Not.EqualTo(name).And.Contains("/250 keys, *.*.worker-0001 first"), "another shard: another stream");
        Assert.That(StreamOf([.. Shard(3).Skip(1).Prepend("--broker.binding-key=*.*.worker-0003")]), Is.EqualTo(name));
        Assert.That(StreamOf([.. Shard(3).SkipLast(1)]), Does.StartWith("jobs.events/249 keys,"), "one key fewer: another stream");
        var swapped = StreamOf([.. Shard(3).SkipLast(1).Append("--broker.binding-key=*.*.worker-0998")]);
        Assert.That(swapped, Does.StartWith("jobs.events/250 keys, *.*.worker-0003 first, sha256 ").And.Not.EqualTo(name),
            "as many keys, the same first, one other: the digest tells them apart");
        // Lists up to the bound stay spelled out.
        var spelled = StreamOf([.. Enumerable.Range(0, 14).Select(i => $"--broker.binding-key=*.*.web-{i:D2}")]);
        Assert.That(spelled, Does.StartWith("jobs.events/*.*.web-00,*.*.web-01,").And.EndWith("*.*.web-13"));
    }

    [Test]
    public void A_list_is_spelled_out_up_to_200_characters_and_one_long_key_is_cut_too()
    {
        var key200 = "*.*." + new string('a', 196);
        Assert.That(StreamOf($"--broker.binding-key={key200}"), Is.EqualTo("jobs.events/" + key200), "200 characters: spelled out");
        var key201 = key200 + "b";
        var one = StreamOf($"--broker.binding-key={key201}");
        Assert.That(one, Does.Match(@"^jobs\.events/1 key, \*\.\*\.a{60}… first, sha256 [0-9a-f]{12}$"), "201: named, its key cut");
        var huge = StreamOf($"--broker.binding-key={key201 + new string('c', 4000)}");
        Assert.That(huge.Length, Is.EqualTo(one.Length), "a key of 4 KB costs a series no more than one of 201 characters");
        Assert.That(huge, Is.Not.EqualTo(one), "the digest tells them apart");
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
