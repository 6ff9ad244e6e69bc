using JobExporter.Metrics;
using Prometheus;

namespace JobExporter.Celery;

/// <summary>The metrics of the Celery source on Redis, created only when --celery.broker-url is a Redis URL.</summary>
internal sealed class CeleryRedisMetrics
{
    /// <summary>Why the subscription ended; the values of the <c>reason</c> label of <see cref="Reconnects"/>.</summary>
    public static readonly IReadOnlyList<string> Reasons = [ConnectionLost, Unresponsive, ProtocolError];

    /// <summary>The connection closed: Redis restarted, the network, or Redis cut the exporter off (client-output-buffer-limit pubsub).</summary>
    public const string ConnectionLost = "connection_lost";

    /// <summary>The connection looked open but Redis did not answer a PING in time.</summary>
    public const string Unresponsive = "unresponsive";

    /// <summary>Redis sent an error or something that is not RESP2.</summary>
    public const string ProtocolError = "protocol_error";

    public CeleryRedisMetrics(ExporterMetrics metrics)
    {
        var p = metrics.Prefix;
        Reconnects = metrics.Factory.CreateCounter(p + "exporter_celery_redis_reconnects_total",
            "Times the subscription to Celery's events on Redis ended and the exporter subscribed again, by reason: connection_lost (closed: Redis restarted, the network, or Redis's pub/sub output limit), unresponsive (no answer to PING), protocol_error. Events published meanwhile are lost.",
            ["reason"]);
        foreach (var reason in Reasons) Reconnects.WithLabels(reason).Inc(0);
        Dropped = metrics.Factory.CreateCounter(p + "exporter_celery_redis_dropped_total",
            "Celery event messages read from Redis and dropped because --celery.redis-buffer-bytes of messages were waiting to be applied.", []);
        Dropped.Inc(0);
        Buffered = metrics.Factory.CreateGauge(p + "exporter_celery_redis_buffered_bytes",
            "Bytes of Celery events (the JSON out of kombu's envelope) read from Redis and waiting to be applied.", []);
        metrics.EventsInvalid.WithLabels(CeleryInvalidReasons.BadEnvelope).Inc(0);
    }

    public Counter Reconnects { get; }
    public Counter Dropped { get; }
    public Gauge Buffered { get; }
}
