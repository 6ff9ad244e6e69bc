using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using JobExporter.Contracts;
using JobExporter.Testing;
using JobExporter.Transport;

namespace JobExporter.Tests.Transport;

/// <summary>
/// The publisher sends through any <see cref="IEventTransport"/>: its buffer, batching, confirms and retries are the
/// same whatever the wire, so a second transport plugs in beside RabbitMQ.
/// </summary>
public class EventTransportSeamTests
{
    private static EventPublisherOptions Options() => new()
    {
        BrokerUrl = new Uri("amqp://u:p@not-used/"),
        ReconnectDelay = TimeSpan.FromMilliseconds(10),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(20),
        BatchDelay = TimeSpan.Zero,
    };

    [Test]
    public async Task Events_go_out_through_another_transport_in_one_batch_per_routing_key_after_failed_opens()
    {
        var transport = new ScriptedTransport { FailedOpens = 2 };
        var log = new CapturingLogger<EventPublisher>();
        await using var publisher = new EventPublisher(Options(), log, transport);
        var factory = new EventFactory("hangfire", "worker-1");
        for (var i = 0; i < 5; i++) publisher.TryPublish(factory.Job(EventType.JobSent, "Report.Run", "default"));
        publisher.TryPublish(factory.Job(EventType.JobStarted, "Report.Run", "default"));

        await WaitUntil(() => publisher.Published == 6, () => $"published {publisher.Published}, opens {transport.Opens}, failures {publisher.PublishFailures}, buffered {publisher.Buffered}, dropped {publisher.Dropped}; {string.Join("; ", log.Lines.TakeLast(3).Select(l => l.Message))}");
        Assert.Multiple(() =>
        {
            Assert.That(transport.Opens, Is.EqualTo(3));
            Assert.That(publisher.PublishFailures, Is.EqualTo(2));
            Assert.That(transport.Sent.GroupBy(m => m.Key).ToDictionary(g => g.Key, g => g.Sum(m => m.Events)), Is.EquivalentTo(new Dictionary<string, int>
            {
                [RoutingKeys.For("hangfire", EventType.JobSent, "worker-1")] = 5,
                [RoutingKeys.For("hangfire", EventType.JobStarted, "worker-1")] = 1,
            }));
        });
    }

    [Test]
    public async Task A_batch_the_transport_did_not_confirm_is_sent_again_on_a_new_connection()
    {
        var transport = new ScriptedTransport { FailedPublishes = 1 };
        await using var publisher = new EventPublisher(Options(), null, transport);
        var factory = new EventFactory("hangfire", "worker-1");
        for (var i = 0; i < 3; i++) publisher.TryPublish(factory.Job(EventType.JobSent, "Report.Run", "default"));

        await WaitUntil(() => publisher.Published == 3, () => $"published {publisher.Published}, opens {transport.Opens}");
        Assert.Multiple(() =>
        {
            Assert.That(transport.Opens, Is.EqualTo(2), "the failed connection was closed and another opened");
            Assert.That(transport.Closes, Is.GreaterThanOrEqualTo(1));
            Assert.That(transport.Sent.Sum(m => m.Events), Is.EqualTo(3), "only confirmed batches are recorded as sent");
        });
    }

    [Test]
    public async Task A_connection_that_opens_but_never_confirms_backs_off_and_is_logged_a_few_times_only()
    {
        var transport = new ScriptedTransport { Confirms = false };
        var log = new CapturingLogger<EventPublisher>();
        var options = Options();
        options.MaxReconnectDelay = TimeSpan.FromSeconds(10);
        options.ConfirmTimeout = TimeSpan.FromMilliseconds(20);
        await using var publisher = new EventPublisher(options, log, transport);
        publisher.TryPublish(new EventFactory("hangfire", "worker-1").Job(EventType.JobSent, "Report.Run", "default"));

        await WaitUntil(() => publisher.PublishFailures >= 6, () => $"failures {publisher.PublishFailures}, opens {transport.Opens}");
        var opens = transport.OpenedAt.ToArray();
        var warnings = log.Lines.Count(l => l.Message.Contains("cannot reach"));
        Assert.Multiple(() =>
        {
            Assert.That(warnings, Is.EqualTo(3), "a successful open is no recovery: the first three failures in a row are logged");
            // Waits of 10, 20, 40, 80 ms..., each at least half its step: the fifth is 80 ms at least (not ReconnectDelay
            // again, as when every open reset the backoff).
            Assert.That(Stopwatch.GetElapsedTime(opens[4], opens[5]), Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(80)));
        });

        transport.Confirms = true;
        await WaitUntil(() => publisher.Published == 1, () => $"published {publisher.Published}, opens {transport.Opens}");
        Assert.That(log.Lines.Count(l => l.Message.Contains("reconnected")), Is.EqualTo(1), "the first confirmed publish says the broker is back");
    }

    [Test]
    public async Task A_long_outage_is_logged_three_times_then_once_in_twenty_attempts_never_silent()
    {
        // 45 refused opens at 10-20 ms apart: attempts 1, 2, 3, 20 and 40 are logged, then the broker is back.
        var transport = new ScriptedTransport { FailedOpens = 45 };
        var log = new CapturingLogger<EventPublisher>();
        await using var publisher = new EventPublisher(Options(), log, transport);
        publisher.TryPublish(new EventFactory("hangfire", "worker-1").Job(EventType.JobSent, "Report.Run", "default"));

        await WaitUntil(() => publisher.Published == 1, () => $"published {publisher.Published}, opens {transport.Opens}");
        var warnings = log.Lines.Where(l => l.Message.Contains("cannot reach")).Select(l => l.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(warnings, Has.Count.EqualTo(5), string.Join("\n", warnings));
            Assert.That(warnings[^1], Does.Contain("(40 failed attempts in a row)"));
            Assert.That(log.Lines.Count(l => l.Message.Contains("reconnected")), Is.EqualTo(1));
        });
    }

    private static Task WaitUntil(Func<bool> condition, Func<string> state) =>
        Waiting.UntilAsync(condition, "the publisher", TimeSpan.FromSeconds(10), state, TimeSpan.FromMilliseconds(5));

    /// <summary>A transport that refuses its first opens and publishes, then confirms everything.</summary>
    private sealed class ScriptedTransport : IEventTransport
    {
        private int _opens;
        private int _closes;
        private int _publishes;
        private bool _confirms = true;

        public int FailedOpens { get; init; }
        public int FailedPublishes { get; init; }
        // False: publishes are never confirmed (each waits until the publisher's confirm timeout cancels it).
        public bool Confirms
        {
            get => Volatile.Read(ref _confirms);
            set => Volatile.Write(ref _confirms, value);
        }
        public ConcurrentQueue<long> OpenedAt { get; } = new();
        public int Opens => Volatile.Read(ref _opens);
        public int Closes => Volatile.Read(ref _closes);
        public ConcurrentQueue<(string Key, int Events)> Sent { get; } = new();
        public string Destination => "scripted://events";
        public IReadOnlyList<JobExporter.Transport.Http.ExporterDestination> Exporters => [];

        public Task<IEventConnection> OpenAsync(CancellationToken cancellationToken)
        {
            OpenedAt.Enqueue(Stopwatch.GetTimestamp());
            return Interlocked.Increment(ref _opens) <= FailedOpens
                ? Task.FromException<IEventConnection>(new IOException("connection refused"))
                : Task.FromResult<IEventConnection>(new Connection(this));
        }

        private sealed class Connection(ScriptedTransport owner) : IEventConnection
        {
            public ValueTask PublishAsync(string routingKey, ReadOnlyMemory<byte> body, int events, CancellationToken cancellationToken)
            {
                if (!owner.Confirms) return new ValueTask(Task.Delay(Timeout.Infinite, cancellationToken));
                if (Interlocked.Increment(ref owner._publishes) <= owner.FailedPublishes)
                {
                    return new ValueTask(Task.FromException(new IOException("not confirmed")));
                }
                using var batch = JsonDocument.Parse(body);
                // A message of one event is that event's object, of more an array of them.
                owner.Sent.Enqueue((routingKey, batch.RootElement.ValueKind == JsonValueKind.Array ? batch.RootElement.GetArrayLength() : 1));
                return default;
            }

            public ValueTask DisposeAsync()
            {
                Interlocked.Increment(ref owner._closes);
                return default;
            }
        }
    }
}
