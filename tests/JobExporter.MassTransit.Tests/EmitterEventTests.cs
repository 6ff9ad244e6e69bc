using JobExporter.Contracts;
using JobExporter.Testing;
using MassTransit;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>What the emitter publishes for each thing a real bus does, read straight from the events exchange.</summary>
[TestFixture]
public sealed class EmitterEventTests
{
    private string _hostname = "";
    private string _queue = "";
    private EventTap _tap = null!;

    [SetUp]
    public async Task StartTap()
    {
        _hostname = Broker.UniqueName("mt-host");
        _queue = Broker.UniqueName("orders");
        _tap = await EventTap.StartAsync(Broker.Node.AmqpUrl, JobEmitter.SystemName, _hostname);
    }

    [TearDown]
    public async Task StopTap() => await _tap.DisposeAsync();

    [Test]
    public async Task A_succeeding_consumer_is_received_started_and_succeeded_once_per_message()
    {
        await using (var bus = await StartBusAsync(e => e.ConfigureConsumer<PlaceOrderConsumer>(e.Context)))
        {
            for (var i = 0; i < 3; i++) await bus.SendAsync(_queue, new PlaceOrder(i));
            await _tap.WaitForCountAsync(EventType.JobSucceeded, nameof(PlaceOrderConsumer), 3);
        }
        await WaitForOfflineAsync();

        Assert.Multiple(() =>
        {
            Assert.That(_tap.Count(EventType.JobSent, nameof(PlaceOrder)), Is.EqualTo(3));
            Assert.That(_tap.Of(EventType.JobSent).Select(e => e.Queue), Is.All.EqualTo(_queue));
            Assert.That(_tap.Count(EventType.JobReceived, nameof(PlaceOrderConsumer)), Is.EqualTo(3));
            Assert.That(_tap.Count(EventType.JobStarted, nameof(PlaceOrderConsumer)), Is.EqualTo(3));
            Assert.That(_tap.Count(EventType.JobSucceeded, nameof(PlaceOrderConsumer)), Is.EqualTo(3));
            Assert.That(_tap.Count(EventType.JobFailed) + _tap.Count(EventType.JobRetried) + _tap.Count(EventType.JobRejected), Is.Zero);
            Assert.That(_tap.Of(EventType.JobStarted).Select(e => e.Wait), Is.All.Not.Null.And.All.GreaterThanOrEqualTo(0));
            Assert.That(_tap.Of(EventType.JobSucceeded).Select(e => e.Runtime), Is.All.Not.Null.And.All.GreaterThanOrEqualTo(0));
            Assert.That(_tap.Events.Where(e => e.Type.IsJobEvent() && e.Type != EventType.JobSent).Select(e => e.Queue), Is.All.EqualTo(_queue));
            Assert.That(_tap.Events.Select(e => e.System), Is.All.EqualTo("masstransit"));
        });
    }

    [Test]
    public async Task One_message_consumed_by_two_consumers_is_two_jobs_with_two_names()
    {
        await using (var bus = await StartBusAsync(e =>
                     {
                         e.ConfigureConsumer<PlaceOrderConsumer>(e.Context);
                         e.ConfigureConsumer<AuditOrderConsumer>(e.Context);
                     }))
        {
            await bus.SendAsync(_queue, new PlaceOrder(1));
            await _tap.WaitForAsync(t => t.Count(EventType.JobSucceeded) >= 2, "both consumers to succeed");
        }
        await WaitForOfflineAsync();

        Assert.That(_tap.Of(EventType.JobSucceeded).Select(e => e.Name),
            Is.EquivalentTo(new[] { nameof(PlaceOrderConsumer), nameof(AuditOrderConsumer) }));
        Assert.That(_tap.Count(EventType.JobStarted), Is.EqualTo(2));
    }

    [Test]
    public async Task A_consumer_that_throws_once_is_retried_once_with_the_exception_type_then_succeeds()
    {
        await using (var bus = await StartBusAsync(e =>
                     {
                         e.UseMessageRetry(r => r.Immediate(2));
                         e.ConfigureConsumer<ChargeCardConsumer>(e.Context);
                     }))
        {
            await bus.SendAsync(_queue, new ChargeCard(1));
            await _tap.WaitForCountAsync(EventType.JobSucceeded, nameof(ChargeCardConsumer), 1);
        }
        await WaitForOfflineAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(_tap.Count(EventType.JobRetried, nameof(ChargeCardConsumer)), Is.EqualTo(1));
            Assert.That(_tap.Of(EventType.JobRetried).Single().Exception, Is.EqualTo(nameof(TimeoutException)));
            Assert.That(_tap.Count(EventType.JobStarted, nameof(ChargeCardConsumer)), Is.EqualTo(2), "one start per attempt");
            Assert.That(_tap.Of(EventType.JobStarted).Count(e => e.Wait is not null), Is.EqualTo(1), "only the first attempt waited in the queue");
            Assert.That(_tap.Count(EventType.JobSucceeded, nameof(ChargeCardConsumer)), Is.EqualTo(1));
            Assert.That(_tap.Count(EventType.JobFailed), Is.Zero);
            Assert.That(await Broker.Node.QueueLengthAsync(_queue + "_error"), Is.LessThanOrEqualTo(0));
        });
    }

    [Test]
    public async Task A_consumer_that_always_throws_is_retried_until_the_policy_gives_up_then_fails_into_the_error_queue()
    {
        await using (var bus = await StartBusAsync(e =>
                     {
                         e.UseMessageRetry(r => r.Immediate(2));
                         e.ConfigureConsumer<ShipParcelConsumer>(e.Context);
                     }))
        {
            await bus.SendAsync(_queue, new ShipParcel(1));
            await _tap.WaitForCountAsync(EventType.JobFailed, nameof(ShipParcelConsumer), 1);
            await Waiting.UntilAsync(async () => await Broker.Node.QueueLengthAsync(_queue + "_error") == 1, "the message in the _error queue");
        }
        await WaitForOfflineAsync();

        Assert.Multiple(() =>
        {
            Assert.That(_tap.Count(EventType.JobStarted, nameof(ShipParcelConsumer)), Is.EqualTo(3), "the first attempt and two retries");
            Assert.That(_tap.Count(EventType.JobRetried, nameof(ShipParcelConsumer)), Is.EqualTo(2));
            Assert.That(_tap.Count(EventType.JobFailed, nameof(ShipParcelConsumer)), Is.EqualTo(1));
            Assert.That(_tap.Count(EventType.JobSucceeded), Is.Zero);
            Assert.That(_tap.Of(EventType.JobFailed).Concat(_tap.Of(EventType.JobRetried)).Select(e => e.Exception),
                Is.All.EqualTo(nameof(InvalidOperationException)));
            Assert.That(_tap.Of(EventType.JobFailed).Single().Runtime, Is.Not.Null.And.GreaterThanOrEqualTo(0));
        });
    }

    [Test]
    public async Task A_consumer_that_throws_without_a_retry_policy_fails_at_once()
    {
        await using (var bus = await StartBusAsync(e => e.ConfigureConsumer<ShipParcelConsumer>(e.Context)))
        {
            await bus.SendAsync(_queue, new ShipParcel(1));
            await _tap.WaitForCountAsync(EventType.JobFailed, nameof(ShipParcelConsumer), 1);
        }
        await WaitForOfflineAsync();

        Assert.That(_tap.Count(EventType.JobRetried), Is.Zero);
        Assert.That(_tap.Count(EventType.JobFailed), Is.EqualTo(1));
    }

    [Test]
    public async Task A_message_no_consumer_takes_is_rejected_and_lands_in_the_skipped_queue()
    {
        await using (var bus = await StartBusAsync(e => e.ConfigureConsumer<PlaceOrderConsumer>(e.Context)))
        {
            await bus.SendAsync(_queue, new Unwanted(1));
            await _tap.WaitForCountAsync(EventType.JobRejected, null, 1);
            await Waiting.UntilAsync(async () => await Broker.Node.QueueLengthAsync(_queue + "_skipped") == 1, "the message in the _skipped queue");
        }
        await WaitForOfflineAsync();

        var rejected = _tap.Of(EventType.JobRejected).Single();
        Assert.That(rejected.Name, Is.EqualTo(nameof(Unwanted)));
        Assert.That(rejected.Queue, Is.EqualTo(_queue));
        Assert.That(_tap.Count(EventType.JobStarted), Is.Zero);
    }

    [Test]
    public async Task A_published_message_is_sent_to_its_type_exchange_and_consumed_on_the_endpoint_queue()
    {
        await using (var bus = await StartBusAsync(e => e.ConfigureConsumer<PlaceOrderConsumer>(e.Context)))
        {
            await bus.Bus.Publish(new PlaceOrder(7));
            await _tap.WaitForCountAsync(EventType.JobSucceeded, nameof(PlaceOrderConsumer), 1);
        }
        await WaitForOfflineAsync();

        var sent = _tap.Of(EventType.JobSent).Single();
        Assert.That(sent.Name, Is.EqualTo(nameof(PlaceOrder)));
        Assert.That(sent.Queue, Does.EndWith(":PlaceOrder"), "a publish goes to the message type's exchange");
        Assert.That(_tap.Of(EventType.JobSucceeded).Single().Queue, Is.EqualTo(_queue));
    }

    [Test]
    public async Task The_bus_is_online_while_it_runs_beats_with_the_running_jobs_and_goes_offline_when_it_stops()
    {
        var gate = Broker.UniqueName("gate");
        await using (var bus = await StartBusAsync(e => e.ConfigureConsumer<HoldJobConsumer>(e.Context), heartbeat: TimeSpan.FromMilliseconds(200)))
        {
            await _tap.WaitForCountAsync(EventType.WorkerOnline, null, 1);
            await bus.SendAsync(_queue, new HoldJob(gate));
            await _tap.WaitForAsync(t => t.Events.Any(e => e.Type == EventType.WorkerHeartbeat && e.Active == 1), "a heartbeat with one running job");
            HoldJobConsumer.Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            await _tap.WaitForCountAsync(EventType.JobSucceeded, nameof(HoldJobConsumer), 1);
            var seen = _tap.Events.Count;
            await _tap.WaitForAsync(t => t.Events.Skip(seen).Any(e => e.Type == EventType.WorkerHeartbeat && e.Active == 0), "a heartbeat with no running job");
        }
        await WaitForOfflineAsync();

        var online = _tap.Of(EventType.WorkerOnline).Single();
        Assert.That(online.Interval, Is.EqualTo(0.2).Within(1e-9));
        Assert.That(_tap.Of(EventType.WorkerHeartbeat).Select(e => e.Dropped), Is.All.EqualTo(0));
        Assert.That(_tap.Events[^1].Type, Is.EqualTo(EventType.WorkerOffline), "offline is the last word");
    }

    private Task<TestBus> StartBusAsync(Action<EndpointSetup> configure, TimeSpan? heartbeat = null) =>
        TestBus.StartAsync(Broker.Node,
            (context, cfg) => cfg.ReceiveEndpoint(_queue, e => configure(new EndpointSetup(e, context))),
            o =>
            {
                o.BrokerUrl = Broker.Node.AmqpUrl;
                o.Hostname = _hostname;
                if (heartbeat is { } interval) o.HeartbeatInterval = interval;
            });

    // worker-offline is published after everything else, so once it is here no event is still on its way.
    private Task WaitForOfflineAsync() => _tap.WaitForCountAsync(EventType.WorkerOffline, null, 1);
}
