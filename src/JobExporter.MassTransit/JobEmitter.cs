using JobExporter.Contracts;
using JobExporter.Emitter;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobExporter.MassTransit;

/// <summary>
/// The MassTransit emitter's link to the shared <see cref="EmitterCore"/> (options, publisher, failure policy,
/// heartbeat, meter <c>JobExporter.MassTransit</c>): the observers and filters depend on this, and through it on
/// the <see cref="IEventPublisher"/> seam. Publishing never throws and never blocks.
/// </summary>
internal sealed class JobEmitter : IAsyncDisposable
{
    /// <summary>The <c>system</c> label of every MassTransit event.</summary>
    public const string SystemName = SystemNames.MassTransit;

    /// <summary>The name of the emitter's <see cref="System.Diagnostics.Metrics.Meter"/>: the package's name.</summary>
    public const string MeterName = "JobExporter.MassTransit";

    public JobEmitter(IOptions<JobExporterMassTransitOptions> options, ILoggerFactory? loggers = null, TimeProvider? time = null,
        IEventPublisher? publisher = null)
    {
        Options = options.Value;
        Core = new EmitterCore(Options, SystemName, MeterName, loggers, time, publisher);
    }

    public JobExporterMassTransitOptions Options { get; }
    public EmitterCore Core { get; }
    public TimeProvider Time => Core.Time;
    public EventFactory Events => Core.Events;
    public IEventPublisher Publisher => Core.Publisher;

    /// <summary>Consumers running now on this bus (the heartbeat's <c>active</c>).</summary>
    public int Active => Core.Active;

    /// <summary>Failures inside the emitter itself, swallowed so that they never reach a consumer.</summary>
    public long Errors => Core.HookFailures;

    public void ConsumerStarted() => Core.JobStarted();

    public void ConsumerEnded() => Core.JobEnded();

    public void Publish(JobEvent e) => Core.Publish(e);

    /// <summary>A job event from <see cref="EventFactory.PendingJob"/>: the hot path, nothing allocated per event.</summary>
    public void Publish(in PendingEvent e) => Core.Publish(e);

    /// <summary>Counts a failure of the emitter, by the one policy of <see cref="EmitterCore.HookFailed"/>.</summary>
    public void Failed(Exception ex) => Core.HookFailed("MassTransit hook", ex);

    public ValueTask DisposeAsync() => Core.DisposeAsync();
}
