using System.Collections.Concurrent;
using Hangfire;
using JobExporter.Hangfire.Tests.Support;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Server;

/// <summary>With the broker unreachable, Hangfire runs exactly as without the emitter.</summary>
[TestFixture]
[NonParallelizable]
public sealed class BrokerDownTests
{
    private const int Jobs = 1000;

    [Test]
    public async Task A_thousand_jobs_run_and_succeed_without_waiting_on_the_broker_and_the_drops_are_counted()
    {
        var options = new JobExporterHangfireOptions
        {
            BrokerUrl = new Uri($"amqp://guest:guest@127.0.0.1:{FreePort.Next()}/"),
            BufferCapacity = 100,
            FlushTimeout = TimeSpan.FromMilliseconds(200),
        };
        var calls = new ConcurrentBag<(string JobId, long Ticks)>();
        await using var world = new HangfireWorld(options, timedCalls: calls);
        for (var i = 0; i < Jobs; i++) world.Client.Enqueue(() => TestJobs.Succeed());
        world.StartServer(workers: 4);

        var monitoring = world.Storage.GetMonitoringApi();
        await Waiting.UntilAsync(() => monitoring.SucceededListCount() == Jobs, $"{Jobs} jobs to succeed", TimeSpan.FromSeconds(120),
            () => $"succeeded {monitoring.SucceededListCount()}, failed {monitoring.FailedCount()}");

        var overhead = Overhead.Of(calls);
        TestContext.Out.WriteLine($"broker down: {overhead}; dropped {world.Emitter!.Dropped} events");
        Assert.Multiple(() =>
        {
            Assert.That(monitoring.FailedCount(), Is.Zero);
            Assert.That(world.Emitter!.Dropped, Is.GreaterThan(0));
            Assert.That(world.Emitter.Published, Is.Zero);
            Assert.That(world.Emitter.HookFailures, Is.Zero);
            Assert.That(overhead.Jobs, Is.EqualTo(Jobs));
            // A hook that waited on the broker would take the connect timeout (5 s); none comes near.
            Assert.That(overhead.LongestCallMilliseconds, Is.LessThan(250));
        });
    }
}
