using MassTransit;

namespace JobExporter.MassTransit;

/// <summary>
/// Runs for each receive endpoint MassTransit configures from the container (ConfigureEndpoints, and
/// ReceiveEndpoint with the registration context) and connects <see cref="ConsumerJobObserver"/> to it.
/// </summary>
internal sealed class ReceiveEndpointHook(ConsumerJobObserver observer) : IConfigureReceiveEndpoint
{
    public void Configure(string name, IReceiveEndpointConfigurator configurator)
    {
        configurator.ConnectConsumerConfigurationObserver(observer);
    }
}
