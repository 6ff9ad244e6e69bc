using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.IntegrationTests.Faults;

/// <summary>
/// A minute of random damage to real event batches (ours from the golden stream and the event writer, Celery's from
/// recorded Celery 5 messages) through a real broker to the real binary, with good marker events mixed into the same
/// batches: every marker counts exactly once, no event makes the exporter fail (internal_error stays 0) and its managed
/// heap stays under <see cref="HeapBound"/>. Seeded: the seed is printed, and JOBEXPORTER_FUZZ_SEED repeats a run.
/// </summary>
public class FuzzedBatchesTests
{
    private static Uri Broker => SharedBroker.Node.AmqpUrl;

    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);

    /// <summary>Most messages sent a second: far more than any real set-up sends to one exporter; the point is variety, not load.</summary>
    private const int MessagesPerSecond = 200;

    /// <summary>
    /// The exporter's managed heap in use (dotnet_total_memory_bytes), at every sample during the run: what its windows
    /// keep (50,000 ids, 10,000 tasks, 10,000 held events), the series of the fuzz's few label values, up to 2,000
    /// prefetched messages of a few KB, and <see cref="GarbageBudget"/>. Measured: 6 to 12 MB.
    /// </summary>
    private const long HeapBound = 48L * 1024 * 1024;

    /// <summary>Most bytes the exporter allocates between two collections (the runtime's DOTNET_GCgen0size, in hex).</summary>
    private const long GarbageBudget = 4L * 1024 * 1024;

    // A plain test that every `make test` runs (about 65 s); the category lets one run it alone: --filter TestCategory=Fuzz.
    [Test]
    [Category("Fuzz")]
    public async Task Random_damage_to_real_batches_never_costs_a_good_event_nor_the_heap_its_bound()
    {
        var seed = Environment.GetEnvironmentVariable("JOBEXPORTER_FUZZ_SEED") is { Length: > 0 } given ? int.Parse(given) : Random.Shared.Next();
        TestContext.Out.WriteLine($"seed {seed} (JOBEXPORTER_FUZZ_SEED={seed} repeats this run)");
        var random = new Random(seed);
        var mutator = new EventMutator(random);
        var ours = OurEvents();
        var celery = CeleryEvents();

        // Windows smaller than the defaults (100,000 each), so that what they keep reaches its bound within the minute; the
        // de-duplication window still covers far more than a redelivery of everything prefetched (2 x 1,000 messages). The
        // runtime would let garbage pile up to 100 MB and more before its first collection: a small allocation budget
        // between collections makes dotnet_total_memory_bytes the heap in use, give or take a few MB.
        await using var lanes = await BothLanes.StartAsync(Broker, ["--events.dedup-window", "50000", "--celery.task-index-size", "10000"],
            new Dictionary<string, string> { ["DOTNET_GCgen0size"] = $"{GarbageBudget:X}" });
        // The markers' label values come first, so that no cap on label values, filled by the fuzz, can touch them.
        long ourMarkers = 1, celeryMarkers = 1;
        await lanes.Ours.PublishAsync(lanes.OurMarkerEvent());
        await lanes.Celery.PublishAsync("task.sent", Encoding.UTF8.GetBytes(lanes.CeleryMarkerEvent()));
        await lanes.Exporter.WaitForMetricsAsync(m => BothLanes.Count(m, "hangfire", BothLanes.OurMarker) == 1
            && BothLanes.Count(m, "celery", BothLanes.CeleryMarker) == 1, Events.Patience, "the first markers");

        var heap = new List<long>();
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                heap.Add((long)((await lanes.Exporter.ScrapeAsync()).Value("dotnet_total_memory_bytes") ?? 0));
                // Pacing the samples, not waiting for a condition.
                await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
            }
        });

        // A batch element: a good marker (counted in markers), a real event damaged or not, or no event at all.
        // Without a marker function, no marker: a batch to be damaged byte by byte may no longer be readable at all.
        string Element(IReadOnlyList<JsonObject> corpus, Func<string>? marker, ref long markers)
        {
            var roll = random.Next(100);
            if (roll < 25 && marker is not null)
            {
                markers++;
                return marker();
            }
            if (roll < 80) return mutator.Mutate(mutator.Pick(corpus));
            if (roll < 90) return mutator.Pick(corpus).ToJsonString();
            return mutator.NotAnEvent();
        }
        string Batch(IReadOnlyList<JsonObject> corpus, Func<string>? marker, ref long markers)
        {
            var elements = new List<string>();
            for (var i = random.Next(1, 25); i > 0; i--) elements.Add(Element(corpus, marker, ref markers));
            return elements.Count == 1 && random.Next(2) == 0 ? elements[0] : "[" + string.Join(",", elements) + "]";
        }
        long none = 0;

        var sent = new Dictionary<string, int>();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Duration)
        {
            var publishes = new List<Task>();
            for (var i = 0; i < 20; i++)
            {
                var kind = random.Next(10);
                switch (kind)
                {
                    case < 4:
                        publishes.Add(lanes.Ours.PublishAsync(Batch(ours, () => lanes.OurMarkerEvent(), ref ourMarkers)));
                        break;
                    case < 8:
                        publishes.Add(lanes.Celery.PublishAsync(random.Next(4) == 0 ? "task.sent" : "task.multi",
                            Encoding.UTF8.GetBytes(Batch(celery, () => lanes.CeleryMarkerEvent(), ref celeryMarkers))));
                        break;
                    case 8:
                        publishes.Add(lanes.Ours.PublishAsync(mutator.Damage(Encoding.UTF8.GetBytes(Batch(ours, null, ref none)))));
                        break;
                    default:
                        publishes.Add(lanes.Celery.PublishAsync("task.multi",
                            mutator.Damage(Encoding.UTF8.GetBytes(Batch(celery, null, ref none))),
                            random.Next(10) == 0 ? "application/x-python-serialize" : "application/json"));
                        break;
                }
                var name = kind switch { < 4 => "ours", < 8 => "celery", 8 => "ours damaged", _ => "celery damaged" };
                sent[name] = sent.GetValueOrDefault(name) + 1;
            }
            await Task.WhenAll(publishes);
            // Pacing, not waiting for a condition: no faster than MessagesPerSecond.
            var due = TimeSpan.FromSeconds(sent.Values.Sum() / (double)MessagesPerSecond) - watch.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
        }
        var publishing = watch.Elapsed;

        // Generous: a loaded machine drains late, a lost event never.
        var m = await lanes.WaitForEndMarkersAsync(TimeSpan.FromSeconds(180));
        await stopSampling.CancelAsync();
        await sampler;
        heap.Add((long)(m.Value("dotnet_total_memory_bytes") ?? 0));

        var invalid = m.Find("jobs_exporter_events_invalid_total").Where(s => s.Value > 0).Select(s => $"{s.Labels["reason"]} {s.Value}");
        TestContext.Out.WriteLine($"{string.Join(", ", sent.Select(kv => $"{kv.Value} {kv.Key}"))} messages in {publishing.TotalSeconds:F0} s; "
            + $"{ourMarkers} + {celeryMarkers} markers; rejected: {string.Join(", ", invalid)}");
        TestContext.Out.WriteLine("collections: " + string.Join(", ", m.Find("dotnet_collection_count_total").Select(c => $"gen{c.Labels["generation"]} {c.Value}")));
        string MiB(long bytes) => $"{bytes / 1048576.0:F1}";
        TestContext.Out.WriteLine($"heap in use, MiB, by tenths of the run: {string.Join(" ", Enumerable.Range(0, 11).Select(i => MiB(heap[i * (heap.Count - 1) / 10])))}; peak {MiB(heap.Max())}");
        var rerun = $"(seed {seed})";
        Assert.Multiple(() =>
        {
            Assert.That(BothLanes.Count(m, "hangfire", BothLanes.OurMarker), Is.EqualTo(ourMarkers), $"our markers {rerun}");
            Assert.That(BothLanes.Count(m, "celery", BothLanes.CeleryMarker), Is.EqualTo(celeryMarkers), $"Celery markers {rerun}");
            Assert.That(m.Value("jobs_exporter_events_invalid_total", ("reason", InvalidReasons.InternalError)), Is.EqualTo(0), $"no event may make the exporter fail {rerun}");
            Assert.That(lanes.Exporter.Output, Does.Not.Contain("fail:"), $"nothing logged as failed {rerun}");
            Assert.That(heap, Has.Count.GreaterThan(10));
            Assert.That(heap.Max(), Is.LessThan(HeapBound), $"managed heap in use {rerun}");
            Assert.That(lanes.Exporter.HasExited, Is.False);
        });
    }

    /// <summary>Our events: every line of the golden stream, and one event of each type from the emitters' own writer.</summary>
    private static List<JsonObject> OurEvents()
    {
        var golden = File.ReadLines(Path.Combine(RepositoryPaths.Root, "tests", "JobExporter.Tests", "Golden", "mixed-stream.jsonl"))
            .Where(line => line.StartsWith('{') || line.StartsWith('['));
        var f = new EventFactory("hangfire", "web-1");
        JobEvent[] written =
        [
            .. Events.SucceededJob(f, "Invoice.Send", "default"),
            f.Job(EventType.JobFailed, "Invoice.Send", "default", runtime: 2.5, exception: "System.TimeoutException"),
            f.Job(EventType.JobRetried, "Invoice.Send", "default", exception: "System.TimeoutException"),
            f.Job(EventType.JobRejected, "Invoice.Send", "default"),
            f.Job(EventType.JobRevoked, "Invoice.Send", "default"),
            f.Worker(EventType.WorkerOnline, TimeSpan.FromSeconds(10)),
            f.Worker(EventType.WorkerHeartbeat, TimeSpan.FromSeconds(10), active: 3, dropped: 1, publishFailures: 2) with { BacklogFailures = 1 },
            f.Worker(EventType.WorkerOffline, TimeSpan.FromSeconds(10), active: 0),
            f.Backlog(new BacklogSnapshot
            {
                Queues = [new BacklogQueue("default", 4, 1, 2.5), new BacklogQueue("critical", 0)],
                Jobs = new Dictionary<string, long> { ["enqueued"] = 4, ["failed"] = 1 },
                Servers = 2,
            }, TimeSpan.FromSeconds(15)),
        ];
        return [.. golden.Concat(written.Select(e => Encoding.UTF8.GetString(EventJson.Serialize(e)))).SelectMany(EventObjects)];
    }

    /// <summary>Celery's events: the bodies of recorded Celery 5 messages, single events and task.multi lists.</summary>
    private static List<JsonObject> CeleryEvents()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "tests", "JobExporter.Tests", "Celery", "Samples");
        return [.. Directory.GetFiles(folder, "sample-events*.jsonl").SelectMany(File.ReadLines)
            .Select(line => JsonNode.Parse(line)!["body"]!.ToJsonString()).SelectMany(EventObjects)];
    }

    private static IEnumerable<JsonObject> EventObjects(string body) => JsonNode.Parse(body) switch
    {
        JsonArray list => list.OfType<JsonObject>(),
        JsonObject one => [one],
        _ => [],
    };
}
