using MassTransit;

namespace JobExporter.MassTransit;

/// <summary>Puts a <see cref="ConsumerJobFilter{TConsumer,TMessage}"/> in front of every consumer/message pair as it is configured.</summary>
internal sealed class ConsumerJobObserver(JobEmitter emitter) : IConsumerConfigurationObserver
{
    public void ConsumerConfigured<TConsumer>(IConsumerConfigurator<TConsumer> configurator)
        where TConsumer : class
    {
    }

    public void ConsumerMessageConfigured<TConsumer, TMessage>(IConsumerMessageConfigurator<TConsumer, TMessage> configurator)
        where TConsumer : class
        where TMessage : class
    {
        configurator.UseFilter(new ConsumerJobFilter<TConsumer, TMessage>(emitter));
    }
}
