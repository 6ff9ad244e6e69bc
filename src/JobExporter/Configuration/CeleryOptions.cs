namespace JobExporter.Configuration;

/// <summary>Settings of the Celery event source; defaults are in <see cref="Flags"/>.</summary>
internal sealed record CeleryOptions
{
    public static readonly CeleryOptions Off = new() { Enabled = false, Exchange = "celeryev", Queue = "", TaskIndexSize = 1, ExporterNames = false };

    public required bool Enabled { get; init; }

    /// <summary>Celery's event exchange (a durable topic exchange, <c>celeryev</c> unless renamed).</summary>
    public required string Exchange { get; init; }
    public required string Queue { get; init; }

    /// <summary>Most unfinished tasks whose name and queue are remembered.</summary>
    public required int TaskIndexSize { get; init; }

    /// <summary>Also serve celery-exporter's metric names and labels.</summary>
    public required bool ExporterNames { get; init; }

    /// <summary>Buckets of the <c>celery_task_runtime</c> copy, in seconds (with <see cref="ExporterNames"/>).</summary>
    public double[] ExporterRuntimeBuckets { get; init; } = [];

    /// <summary>Celery's Redis broker (--celery.broker-url); null: Celery runs on --broker.url's RabbitMQ. Default null.</summary>
    public CeleryRedisOptions? Redis { get; init; }
}
