using JobExporter.Contracts;
using JobExporter.HangfireStorage;

namespace JobExporter.Configuration;

/// <summary>Every flag the exporter accepts, with its default. This list is the single place defaults are written.</summary>
internal static class Flags
{
    public const string HostnamePlaceholder = "<hostname>";

    public static readonly Flag BrokerUrl = new("broker.url", "amqp://guest:guest@localhost:5672/",
        "RabbitMQ URL (amqp:// or amqps://), or the URLs of a cluster's nodes separated by commas (same scheme, user, password and vhost): the exporter connects to one that answers and fails over to another. The password is never logged.");
    public static readonly Flag BrokerPasswordFile = new("broker.password-file", null,
        "File whose content (without its final newline) replaces the password in --broker.url.");
    public static readonly Flag BrokerPassword = new("broker.password", null,
        "Password that replaces the one in --broker.url. Read from the environment only, never from the command line.", EnvironmentOnly: true);
    public static readonly Flag BrokerCaFile = new("broker.ca-file", null,
        "PEM file of the CA(s) that signed the broker's certificate (amqps:// only). Default: the system's trusted CAs.");
    public static readonly Flag BrokerCertFile = new("broker.cert-file", null, "PEM client certificate for amqps:// (with --broker.key-file).");
    public static readonly Flag BrokerKeyFile = new("broker.key-file", null, "PEM private key of --broker.cert-file.");
    public static readonly Flag BrokerExchange = new("broker.exchange", EventDefaults.ExchangeName, "Topic exchange the emitters publish to.");
    public static readonly Flag BrokerQueue = new("broker.queue", $"jobexporter.{HostnamePlaceholder}", "Durable queue the exporter consumes from.");
    public static readonly Flag BrokerBindingKey = new("broker.binding-key", "#",
        "Binding key of the queue on the exchange; repeatable. A sidecar binds *.*.<its worker's hostname>.", Repeatable: true);
    public static readonly Flag BrokerQueueMaxLength = new("broker.queue-max-length", "1000000",
        "x-max-length of the queue: events kept while the exporter is away; the oldest go first. Like the queue's type and x-expires, fixed once the queue exists: to change it, delete the queue first.");
    public static readonly Flag BrokerQueueExpires = new("broker.queue-expires", "1d", "x-expires of the queue: deleted after this long unused. Fixed once the queue exists, as --broker.queue-max-length.");
    public static readonly Flag BrokerQueueType = new("broker.queue-type", "classic",
        "Type of --broker.queue and --celery.queue: classic, or quorum (replicated on a cluster's nodes; survives losing a minority of them). Fixed once the queue exists, as --broker.queue-max-length.");
    public static readonly Flag BrokerPrefetch = new("broker.prefetch", "1000", "Unacknowledged messages the broker may send ahead.");

    public static readonly Flag WebListenAddress = new("web.listen-address", ":9821", "Address to serve /metrics on (host:port; :port is every interface).");
    public static readonly Flag WebTelemetryPath = new("web.telemetry-path", "/metrics", "Path of the metrics page.");
    public static readonly Flag WebDisableExporterMetrics = new("web.disable-exporter-metrics", "false",
        "Leave the exporter's own process_* and dotnet_* metrics (CPU, memory, GC, threads) off the metrics page.", IsSwitch: true);
    public static readonly Flag WebConfigFile = new("web.config.file", null,
        "Web configuration file (Prometheus exporter-toolkit format) that turns on TLS and/or basic auth for every path.");

    public static readonly Flag WebEnableIngest = new("web.enable-ingest", "false",
        "Serve POST /api/v1/events: emitters with ExporterUrl send their event batches there over HTTP, with no broker (see docs/http-transport.md). Off by default; --web.config.file's TLS and basic auth guard it as every path. Without --broker.url the exporter then connects to no RabbitMQ.",
        IsSwitch: true);

    public static readonly Flag WorkerTimeout = new("worker.timeout", null,
        "A worker not heard from for this long is down. Default: 3 x the interval it announces, else 60s.");
    public static readonly Flag WorkerPurgeAfter = new("worker.purge-after", "10m", "Series of a worker down this long are removed.");

    public static readonly Flag MetricsPrefix = new("metrics.prefix", "jobs", "Prefix of every metric name.");
    public static readonly Flag MetricsStaticLabel = new("metrics.static-label", null, "Label added to every series, as name=value; repeatable.", Repeatable: true);
    public static readonly Flag MetricsRuntimeBuckets = new("metrics.runtime-buckets", "0.01,0.05,0.1,0.25,0.5,1,2.5,5,10,30,60,120,300,600,1800,3600",
        "Buckets of the runtime histogram, in seconds.");
    public static readonly Flag MetricsWaitBuckets = new("metrics.wait-buckets", "0.01,0.05,0.1,0.5,1,5,10,30,60,300,900,1800,3600,7200,21600",
        "Buckets of the queue-wait histogram, in seconds.");
    public static readonly Flag MetricsMaxValues = new("metrics.max-values", "1000",
        "Most distinct values of one label (name, queue, hostname, exception, system); the rest are folded into __other__.");
    public static readonly Flag MetricsMaxSeries = new("metrics.max-series", "200000",
        "Most series of one job metric (a histogram's buckets, _sum and _count each count); a job on a host that would pass it is counted whole under __other__.");
    public static readonly Flag MetricsMaxLabelLength = new("metrics.max-label-length", "128", "Longer label values are cut to this many characters.");
    public static readonly Flag MetricsHistogramHostname = new("metrics.histogram-hostname", "false",
        "Add the hostname label to the histograms (many more series).", IsSwitch: true);
    public static readonly Flag MetricsJobHostname = new("metrics.job-hostname", "true",
        "Label the job counters (received, started, succeeded, failed, retried, rejected, revoked) with the worker's hostname; --no-metrics.job-hostname drops it, so pods with generated names add no job series (worker series keep it).",
        IsSwitch: true);

    public static readonly Flag EventsDedupWindow = new("events.dedup-window", "100000", "How many recent event ids are remembered to drop duplicates.");
    public static readonly Flag EventsMaxMessageBytes = new("events.max-message-bytes", "524288", "Larger messages are rejected as too_large.");

    public static readonly Flag Systems = new("systems", null,
        "Comma-separated systems (e.g. hangfire,masstransit) whose workers_alive is exported at 0 from the start.");
    public static readonly Flag RabbitMqQueues = new("rabbitmq.queues", null,
        "Comma-separated RabbitMQ queues to poll, each queue or system/queue (system defaults to rabbitmq); repeatable.", Repeatable: true);
    public static readonly Flag RabbitMqPollInterval = new("rabbitmq.poll-interval", "15s", "How often queue lengths are polled.");
    public static readonly Flag CollectorTimeout = new("collector.timeout", "10s",
        "Longest one background poll (RabbitMQ queues, Hangfire storage) may take; a scrape never waits for it.");

    public static readonly Flag HangfirePostgres = new("hangfire.postgres", null, "Connection string of a Hangfire.PostgreSql storage to poll for backlog.");
    public static readonly Flag HangfireSchema = new("hangfire.schema", HangfireStorageOptions.DefaultSchema, "Schema of the Hangfire tables.");
    public static readonly Flag HangfirePollInterval = new("hangfire.poll-interval", "15s", "How often Hangfire's storage is polled.");

    public static readonly Flag CeleryEnabled = new("celery.enabled", "false",
        "Also consume Celery's own events (workers started with -E) from --celery.exchange, as system=\"celery\".", IsSwitch: true);
    public static readonly Flag CeleryExchange = new("celery.exchange", "celeryev", "Celery's event exchange (topic) to bind to.");
    public static readonly Flag CeleryQueue = new("celery.queue", $"jobexporter.celery.{HostnamePlaceholder}",
        "Durable queue the exporter consumes Celery events from; same x-max-length and x-expires as --broker.queue.");
    public static readonly Flag CeleryTaskIndexSize = new("celery.task-index-size", "100000",
        "Most unfinished Celery tasks whose name and queue are remembered; memory is capped at 300 bytes a task on average (names and queues kept cut to --metrics.max-label-length); the oldest are forgotten and counted.");
    public static readonly Flag CeleryExporterNames = new("celery.exporter-names", "false",
        "Also serve the Celery series under celery-exporter's names and labels (celery_task_sent_total, celery_worker_up, ...).", IsSwitch: true);
    // celery-exporter's default: prometheus_client's Histogram.DEFAULT_BUCKETS (its +Inf is implied here).
    public static readonly Flag CeleryExporterRuntimeBuckets = new("celery.exporter-runtime-buckets", "0.005,0.01,0.025,0.05,0.075,0.1,0.25,0.5,0.75,1,2.5,5,7.5,10",
        "Buckets of celery_task_runtime (with --celery.exporter-names), in seconds; the default is celery-exporter's.");

    // Celery on a Redis broker (see CeleryRedisOptions): events come by pub/sub, nothing is kept while the exporter is away.
    public static readonly Flag CeleryBrokerUrl = new("celery.broker-url", null,
        "Celery's Redis broker (redis:// or rediss://[user:password@]host[:port][/db]), when Celery does not run on --broker.url's RabbitMQ: the exporter subscribes to Celery's events as a Celery event receiver does (pub/sub). Events published while the exporter is away are lost. Without --broker.url the exporter then connects to no RabbitMQ. Sentinel and cluster are not supported. The password is never logged.");
    public static readonly Flag CeleryBrokerPasswordFile = new("celery.broker-password-file", null,
        "File whose content (without its final newline) replaces the password in --celery.broker-url.");
    public static readonly Flag CeleryBrokerPassword = new("celery.broker-password", null,
        "Password that replaces the one in --celery.broker-url. Read from the environment only, never from the command line.", EnvironmentOnly: true);
    public static readonly Flag CeleryBrokerCaFile = new("celery.broker-ca-file", null,
        "PEM file of the CA(s) that signed Redis's certificate (rediss:// only). Default: the system's trusted CAs.");
    public static readonly Flag CeleryBrokerCertFile = new("celery.broker-cert-file", null, "PEM client certificate for rediss:// (with --celery.broker-key-file).");
    public static readonly Flag CeleryBrokerKeyFile = new("celery.broker-key-file", null, "PEM private key of --celery.broker-cert-file.");
    public static readonly Flag CeleryRedisBufferBytes = new("celery.redis-buffer-bytes", "67108864",
        "Bytes of Celery event messages read from Redis and not yet applied that the exporter holds; past it new messages are dropped and counted. Messages are read as fast as Redis sends them, so that Redis's own pub/sub output limit never cuts the exporter off.");

    public static readonly Flag LogLevel = new("log.level", "info", "One of debug, info, warn, error.");
    public static readonly Flag LogFormat = new("log.format", "text", "One of text, json.");

    public static readonly Flag Help = new("help", null, "Show this help and exit.", IsSwitch: true);
    public static readonly Flag Version = new("version", null, "Show the version and exit.", IsSwitch: true);

    public static IReadOnlyList<Flag> All { get; } =
    [
        BrokerUrl, BrokerPasswordFile, BrokerPassword, BrokerCaFile, BrokerCertFile, BrokerKeyFile, BrokerExchange, BrokerQueue, BrokerBindingKey, BrokerQueueMaxLength, BrokerQueueExpires, BrokerQueueType, BrokerPrefetch,
        WebListenAddress, WebTelemetryPath, WebDisableExporterMetrics, WebConfigFile, WebEnableIngest, WorkerTimeout, WorkerPurgeAfter,
        MetricsPrefix, MetricsStaticLabel, MetricsRuntimeBuckets, MetricsWaitBuckets, MetricsMaxValues, MetricsMaxSeries, MetricsMaxLabelLength,
        MetricsHistogramHostname, MetricsJobHostname, EventsDedupWindow, EventsMaxMessageBytes,
        Systems, RabbitMqQueues, RabbitMqPollInterval, CollectorTimeout,
        HangfirePostgres, HangfireSchema, HangfirePollInterval,
        CeleryEnabled, CeleryExchange, CeleryQueue, CeleryTaskIndexSize, CeleryExporterNames,
        CeleryExporterRuntimeBuckets,
        CeleryBrokerUrl, CeleryBrokerPasswordFile, CeleryBrokerPassword, CeleryBrokerCaFile, CeleryBrokerCertFile, CeleryBrokerKeyFile, CeleryRedisBufferBytes,
        LogLevel, LogFormat, Help, Version,
    ];
}
