using JobExporter.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobExporter.MassTransit;

/// <summary>
/// The emitter's one shared part: who is speaking (system <c>masstransit</c>, this host), the publisher the
/// events go through, and the number of consumers running now. Publishing never throws and never blocks:
/// the publisher buffers, and any failure is counted in <see cref="Errors"/> instead of reaching the bus.
/// </summary>
internal sealed class JobEmitter : IAsyncDisposable
{
    /// <summary>The <c>system</c> label of every MassTransit event.</summary>
    public const string SystemName = "masstransit";

    private readonly ILogger _logger;
    private int _active;
    private long _errors;

    public JobEmitter(IOptions<JobExporterMassTransitOptions> options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        var settings = options.Value;
        Options = settings;
        Time = time ?? TimeProvider.System;
        Events = new EventFactory(SystemName, settings.EffectiveHostname, Time);
        _logger = (ILogger?)loggers?.CreateLogger<JobEmitter>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        Publisher = new EventPublisher(
            new EventPublisherOptions
            {
                BrokerUrl = settings.BrokerUrl,
                Exchange = settings.Exchange,
                BufferCapacity = settings.BufferCapacity,
            },
            loggers?.CreateLogger<EventPublisher>());
    }

    public JobExporterMassTransitOptions Options { get; }
    public TimeProvider Time { get; }
    public EventFactory Events { get; }
    public EventPublisher Publisher { get; }

    /// <summary>Consumers running now on this bus (the heartbeat's <c>active</c>).</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Failures inside the emitter itself, swallowed so that they never reach a consumer.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public void ConsumerStarted() => Interlocked.Increment(ref _active);

    public void ConsumerEnded() => Interlocked.Decrement(ref _active);

    public void Publish(JobEvent e)
    {
        try
        {
            Publisher.TryPublish(e);
        }
        catch (Exception ex)
        {
            Failed(ex);
        }
    }

    /// <summary>Counts a failure of the emitter; logs only the first few so that a bug cannot flood the log.</summary>
    public void Failed(Exception ex)
    {
        try
        {
            if (Interlocked.Increment(ref _errors) <= 3)
            {
                _logger.LogWarning(ex, "The JobExporter emitter failed to record a MassTransit event; the message is not affected");
            }
        }
        catch
        {
            // A failing logger must not fail the consumer either.
        }
    }

    public ValueTask DisposeAsync() => Publisher.DisposeAsync();
}
