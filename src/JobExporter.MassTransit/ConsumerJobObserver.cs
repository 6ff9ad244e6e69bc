using System.Runtime.CompilerServices;
using MassTransit;

namespace JobExporter.MassTransit;

/// <summary>
/// Puts a <see cref="ConsumerJobFilter{TConsumer,TMessage}"/> in front of every consumer/message pair as it is
/// configured. It may be connected both to the bus and to an endpoint; each pair still gets one filter.
/// </summary>
internal sealed class ConsumerJobObserver(JobEmitter emitter) : IConsumerConfigurationObserver
{
    private readonly ConditionalWeakTable<object, object> _wrapped = new();

    public void ConsumerConfigured<TConsumer>(IConsumerConfigurator<TConsumer> configurator)
        where TConsumer : class
    {
    }

    public void ConsumerMessageConfigured<TConsumer, TMessage>(IConsumerMessageConfigurator<TConsumer, TMessage> configurator)
        where TConsumer : class
        where TMessage : class
    {
        if (!_wrapped.TryAdd(configurator, configurator)) return;
        configurator.UseFilter(new ConsumerJobFilter<TConsumer, TMessage>(emitter));
    }
}
