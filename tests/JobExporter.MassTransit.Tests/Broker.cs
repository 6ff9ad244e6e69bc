using JobExporter.Testing;
using NUnit.Framework;

namespace JobExporter.MassTransit.Tests;

/// <summary>One real RabbitMQ node for every test in this assembly; tests keep apart by unique queue and host names.</summary>
[SetUpFixture]
public sealed class Broker
{
    private static RabbitMqNode? _node;

    public static RabbitMqNode Node => _node ?? throw new InvalidOperationException("The RabbitMQ node is not started.");

    /// <summary>A name no other test uses, for queues and hostnames.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    [OneTimeSetUp]
    public async Task StartNode() => _node = await RabbitMqNode.StartAsync();

    [OneTimeTearDown]
    public async Task StopNode()
    {
        if (_node is not null) await _node.DisposeAsync();
    }
}
