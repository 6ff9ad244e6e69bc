using MassTransit;

namespace JobExporter.MassTransit.Tests;

/// <summary>A receive endpoint being configured, with the registration context its consumers come from.</summary>
internal sealed class EndpointSetup(IRabbitMqReceiveEndpointConfigurator endpoint, IBusRegistrationContext context)
{
    public IBusRegistrationContext Context { get; } = context;

    public void ConfigureConsumer<T>(IBusRegistrationContext registration) where T : class, IConsumer => endpoint.ConfigureConsumer<T>(registration);

    public void UseMessageRetry(Action<IRetryConfigurator> configure) => endpoint.UseMessageRetry(configure);
}
