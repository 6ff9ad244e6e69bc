using JobExporter.Contracts;
using JobExporter.Security;
using JobExporter.Transport;

namespace JobExporter.Configuration;

/// <summary>
/// Every setting of the exporter. Defaults live in <see cref="Flags"/>, once, where --help prints them;
/// this class only holds the parsed values.
/// </summary>
internal sealed record ExporterOptions
{
    /// <summary>The first of <see cref="BrokerUrls"/>: its user, password and TLS settings serve every node.</summary>
    public required Uri BrokerUrl { get; init; }

    /// <summary>Every node of the broker (--broker.url's comma-separated list), tried in turn. Default: <see cref="BrokerUrl"/> alone.</summary>
    public IReadOnlyList<Uri> BrokerUrls
    {
        get => _brokerUrls ?? [BrokerUrl];
        init => _brokerUrls = value;
    }

    private readonly IReadOnlyList<Uri>? _brokerUrls;

    /// <summary>From --broker.password-file or JOBEXPORTER_BROKER_PASSWORD; replaces the password in <see cref="BrokerUrl"/>. Null: the URL's.</summary>
    public Secret? BrokerPassword { get; init; }

    /// <summary>CAs and client certificate for amqps://. Default <see cref="BrokerTls.None"/>.</summary>
    public BrokerTls BrokerTls { get; init; } = BrokerTls.None;
    public required string Exchange { get; init; }
    public required string Queue { get; init; }
    public required IReadOnlyList<string> BindingKeys { get; init; }

    /// <summary>The <c>stream</c> label of every series: the exchange, and the binding keys when they take a part of it.</summary>
    public string Stream => EventStream.Name(Exchange, BindingKeys);
    public required long QueueMaxLength { get; init; }
    public required TimeSpan QueueExpires { get; init; }
    public required ushort Prefetch { get; init; }

    /// <summary>The type the exporter declares its queues with (--broker.queue-type). Default <see cref="QueueType.Classic"/>.</summary>
    public QueueType QueueType { get; init; } = QueueType.Classic;

    public required string ListenAddress { get; init; }
    public required string TelemetryPath { get; init; }

    /// <summary>False leaves the process_* and dotnet_* metrics off the page (--web.disable-exporter-metrics). Default true.</summary>
    public bool ProcessMetrics { get; init; } = true;

    /// <summary>TLS and basic auth from --web.config.file. Default <see cref="WebConfig.None"/>: plain HTTP, open.</summary>
    public WebConfig Web { get; init; } = WebConfig.None;

    /// <summary>Whether POST /api/v1/events takes event batches over HTTP (--web.enable-ingest). Default false.</summary>
    public bool Ingest { get; init; }

    /// <summary>Null means: 3 x the worker's announced interval, else <see cref="DefaultWorkerTimeout"/>.</summary>
    public TimeSpan? WorkerTimeout { get; init; }
    public required TimeSpan WorkerPurgeAfter { get; init; }

    public required string MetricsPrefix { get; init; }
    public required IReadOnlyDictionary<string, string> StaticLabels { get; init; }
    public required double[] RuntimeBuckets { get; init; }
    public required double[] WaitBuckets { get; init; }
    public required int MaxLabelValues { get; init; }
    public required int MaxLabelLength { get; init; }

    /// <summary>Most series of one job metric family (--metrics.max-series).</summary>
    public required int MaxSeries { get; init; }
    public required bool HistogramHostnameLabel { get; init; }

    /// <summary>False drops the hostname label from the job counters (--no-metrics.job-hostname). Default true.</summary>
    public bool JobHostnameLabel { get; init; } = true;
    public required int DedupWindow { get; init; }
    public required EventParserLimits ParserLimits { get; init; }

    public required IReadOnlyList<string> Systems { get; init; }
    public required IReadOnlyList<QueueName> RabbitMqQueues { get; init; }
    public required TimeSpan RabbitMqPollInterval { get; init; }
    public required TimeSpan CollectorTimeout { get; init; }

    public string? HangfirePostgres { get; init; }
    public required string HangfireSchema { get; init; }
    public required TimeSpan HangfirePollInterval { get; init; }

    /// <summary>
    /// Whether the emitters' events are consumed from RabbitMQ (--broker.url). Default true; false only when Celery runs on
    /// Redis or the ingest endpoint is on, and --broker.url is not given, so that an exporter for Celery on Redis alone neither connects to nor waits for RabbitMQ.
    /// </summary>
    public bool RabbitMqEvents { get; init; } = true;

    /// <summary>The Celery event source. Default <see cref="CeleryOptions.Off"/>.</summary>
    public CeleryOptions Celery { get; init; } = CeleryOptions.Off;

    public required string LogLevel { get; init; }
    public required string LogFormat { get; init; }

    public static readonly TimeSpan DefaultWorkerTimeout = TimeSpan.FromSeconds(60);
}

/// <summary>A queue to poll, and the system label it is exported under.</summary>
internal readonly record struct QueueName(string System, string Queue);
