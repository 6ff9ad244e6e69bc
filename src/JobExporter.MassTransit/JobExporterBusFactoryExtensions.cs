using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace JobExporter.MassTransit;

/// <summary>
/// For receive endpoints configured by hand (<c>cfg.ReceiveEndpoint("orders", e =&gt; ...)</c>): endpoints from
/// <c>cfg.ConfigureEndpoints(context)</c> are covered by <c>AddJobExporter</c> alone, hand-made ones need
/// <c>cfg.UseJobExporter(context)</c> once, before or after them, inside <c>UsingRabbitMq</c>.
/// </summary>
public static class JobExporterBusFactoryExtensions
{
    /// <summary>Wraps the consumers of every receive endpoint of this bus; harmless on endpoints that are already covered.</summary>
    public static void UseJobExporter(this IBusFactoryConfigurator configurator, IRegistrationContext context)
    {
        var observer = context.GetService<ConsumerJobObserver>()
            ?? throw new InvalidOperationException("UseJobExporter needs the emitter registered first: call x.AddJobExporter(...) inside AddMassTransit.");
        configurator.ConnectConsumerConfigurationObserver(observer);
    }
}
