using JobExporter.Metrics;
using Prometheus;

namespace JobExporter.Celery;

/// <summary>The metrics only the Celery source has, created when it is turned on.</summary>
internal sealed class CeleryMetrics
{
    public CeleryMetrics(ExporterMetrics metrics)
    {
        TaskIndexEvicted = metrics.Factory.CreateCounter(metrics.Prefix + "exporter_celery_task_index_evicted_total",
            "Unfinished Celery tasks forgotten because the task index (--celery.task-index-size) was full; their later events show name and queue unknown.",
            []);
        TaskIndexEvicted.Inc(0);
        HoldOverflow = metrics.Factory.CreateCounter(metrics.Prefix + "exporter_celery_hold_overflow_total",
            $"Celery events held for their task's name or queue (task-sent) applied at once, as unknown, because {CeleryEventHold.DefaultCapacity} events were held already.",
            []);
        HoldOverflow.Inc(0);
        BrokerConnected = metrics.Factory.CreateGauge(metrics.Prefix + "exporter_celery_broker_connected",
            "1 while the exporter is connected to the broker and consuming Celery's events (--celery.queue).", []);
        BrokerConnected.Set(0);
        foreach (var reason in CeleryInvalidReasons.All)
        {
            metrics.EventsInvalid.WithLabels(reason).Inc(0);
        }
    }

    public Counter TaskIndexEvicted { get; }

    /// <summary>Events pushed out of a full <see cref="CeleryEventHold"/>.</summary>
    public Counter HoldOverflow { get; }

    /// <summary>The Celery source's own connection state; <c>exporter_broker_connected</c> is the main consumer's.</summary>
    public Gauge BrokerConnected { get; }
}
