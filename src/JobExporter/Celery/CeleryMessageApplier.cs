using JobExporter.Aggregation;
using JobExporter.Configuration;
using Microsoft.Extensions.Logging;

namespace JobExporter.Celery;

/// <summary>
/// The one step from a Celery event message to the exporter's events, whichever broker it came through: the
/// <see cref="CeleryEventDecoder"/> with its task index and hold, applied through the same <see cref="EventApplier"/> as the
/// emitters' events. The RabbitMQ <see cref="CeleryConsumer"/> hands it the AMQP body and content_type, the
/// <see cref="CeleryRedisSubscriber"/> the body and content-type it took out of kombu's envelope; nothing else differs.
/// Thread-safe: a source's delivery thread and the hold's timer share it.
/// </summary>
internal sealed class CeleryMessageApplier
{
    /// <summary>How often held events are checked for expiry while no message comes (each message checks too).</summary>
    private static readonly TimeSpan HoldCheck = TimeSpan.FromMilliseconds(250);

    private readonly EventApplier _applier;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CeleryEventDecoder _decoder;

    // The decoder is used by the source's delivery thread and by the hold's timer.
    private readonly Lock _decoding = new();

    public CeleryMessageApplier(ExporterOptions options, EventApplier applier, CeleryMetrics celeryMetrics, TimeProvider time, ILogger<CeleryMessageApplier> logger)
    {
        _applier = applier;
        _time = time;
        _logger = logger;
        _decoder = new CeleryEventDecoder(options.ParserLimits,
            new CeleryTaskIndex(options.Celery.TaskIndexSize, () => celeryMetrics.TaskIndexEvicted.Inc(), options.MaxLabelLength),
            new CeleryEventHold(time, events => celeryMetrics.HoldOverflow.Inc(events)));
    }

    /// <summary>Applies one message's body; returns how many events it held. Never throws: a bug is logged and the message skipped.</summary>
    public int Apply(ReadOnlySpan<byte> body, string? contentType)
    {
        var before = _applier.EventsSeen;
        try
        {
            lock (_decoding) _decoder.Decode(body, contentType, _applier);
        }
        catch (Exception ex)
        {
            // A bug must not stop consumption nor redeliver the same message forever: log it and move on.
            _logger.LogError(ex, "Applying a Celery message failed; it is skipped");
        }
        return (int)(_applier.EventsSeen - before);
    }

    /// <summary>Counts a message rejected before its body could be read (by its source), with the same counter as the decoder's rejections.</summary>
    public void Reject(string reason) => _applier.OnInvalid(reason);

    /// <summary>Starts the timer that applies, as unknown, the held events whose task was not named in time.</summary>
    public ITimer StartHoldTimer() => _time.CreateTimer(_ => ApplyHeld(all: false), null, HoldCheck, HoldCheck);

    /// <summary>Stopping: what is still held is counted (as unknown) rather than dropped.</summary>
    public void ApplyAllHeld() => ApplyHeld(all: true);

    private void ApplyHeld(bool all)
    {
        try
        {
            lock (_decoding)
            {
                if (all) _decoder.ApplyAllHeld(_applier);
                else _decoder.ApplyExpired(_applier);
            }
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Applying held Celery events failed; they are skipped");
        }
    }
}
