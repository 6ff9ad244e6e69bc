using JobExporter.Testing;

namespace JobExporter.IntegrationTests;

/// <summary>One real RabbitMQ node for the tests of this assembly that do not stop it; each test uses its own queue.</summary>
[SetUpFixture]
public class SharedBroker
{
    public static RabbitMqNode Node { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => Node = await RabbitMqNode.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await Node.DisposeAsync();
}
