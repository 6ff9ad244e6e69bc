using JobExporter.Configuration;
using Prometheus;
using L = JobExporter.Metrics.LabelNames;

namespace JobExporter.Metrics;

/// <summary>
/// Every metric family the exporter serves, created once in its own registry (not prometheus-net's static default),
/// with the configured prefix and static labels, and the <c>stream</c> label on every one of them (the mixin counts
/// exporters of one stream once and adds different streams up). The process and runtime metrics are added by
/// <see cref="AddProcessMetrics"/>, so that pages built in tests stay deterministic.
/// </summary>
internal sealed class ExporterMetrics
{
    public ExporterMetrics(ExporterOptions options, string version, string revision = BuildVersion.UnknownRevision, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var constantLabels = options.StaticLabels.ToDictionary();
        constantLabels[L.Stream] = options.Stream;
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry).WithLabels(constantLabels);
        // No exemplars: the page is served in the text format, which has none. prometheus-net would otherwise take one from
        // Activity.Current (an ingest request has one) on every observation and swap it into the bucket: CPU for nothing.
        // A behaviour without a provider records none (ExemplarTests checks it).
        factory.ExemplarBehavior = new ExemplarBehavior();
        var p = options.MetricsPrefix + "_";
        Factory = factory;
        Prefix = p;
        HistogramHostname = options.HistogramHostnameLabel;
        JobHostname = options.JobHostnameLabel;

        // The job counters' labels: system, name, queue, then hostname unless dropped, then the exception where there is one.
        // Compact families (a series each per job and host), written first on the page, where prometheus-net wrote them.
        CompactCounter Compact(string name, string help, string[] labels)
        {
            var family = new CompactCounter(p + name, help, labels, constantLabels);
            _compact.Add(family);
            return family;
        }
        CompactCounter JobCounter(string name, string help, bool exception = false) =>
            Compact(name, help, [L.System, L.Name, L.Queue, .. JobHostname ? [L.Hostname] : Array.Empty<string>(),
                .. exception ? [L.Exception] : Array.Empty<string>()]);

        Sent = Compact("sent_total", "Jobs sent (enqueued) by producers.", [L.System, L.Name, L.Queue]);
        Received = JobCounter("received_total", "Jobs received by a worker.");
        Started = JobCounter("started_total", "Jobs a worker started running.");
        Succeeded = JobCounter("succeeded_total", "Jobs that finished without error.");
        Failed = JobCounter("failed_total", "Jobs that failed for good (no retry left), by exception type.", exception: true);
        Retried = JobCounter("retried_total", "Job attempts that failed and will be retried, by exception type.", exception: true);
        Rejected = JobCounter("rejected_total", "Jobs rejected before running (cancelled by a filter, or no consumer).");
        Revoked = JobCounter("revoked_total", "Jobs deleted or revoked before they finished.");

        string[] runtimeLabels = HistogramHostname ? [L.System, L.Name, L.Queue, L.Outcome, L.Hostname] : [L.System, L.Name, L.Queue, L.Outcome];
        string[] waitLabels = HistogramHostname ? [L.System, L.Name, L.Queue, L.Hostname] : [L.System, L.Name, L.Queue];
        Runtime = factory.CreateHistogram(p + "runtime_seconds", "Time jobs ran, by outcome (succeeded, failed).",
            runtimeLabels, new HistogramConfiguration { Buckets = options.RuntimeBuckets });
        Wait = factory.CreateHistogram(p + "wait_seconds", "Time jobs waited in their queue before starting.",
            waitLabels, new HistogramConfiguration { Buckets = options.WaitBuckets });

        WorkerUp = factory.CreateGauge(p + "worker_up", "1 while a worker sends heartbeats, 0 once it went offline or timed out.", [L.System, L.Hostname]);
        WorkerActive = factory.CreateGauge(p + "worker_active", "Jobs running now on a worker, from its last heartbeat.", [L.System, L.Hostname]);
        WorkerHeartbeat = factory.CreateGauge(p + "worker_heartbeat_timestamp_seconds", "Unix time of a worker's last heartbeat, on the worker's clock.", [L.System, L.Hostname]);
        WorkerTimedOut = factory.CreateGauge(p + "worker_timed_out", "1 while a worker is down because it went silent past its timeout (crash, hang, network); 0 while up or after it said goodbye (worker-offline).", [L.System, L.Hostname]);
        WorkersAlive = factory.CreateGauge(p + "workers_alive", "Workers up, per system.", [L.System]);
        EmitterDropped = factory.CreateGauge(p + "emitter_dropped_events", "Events an emitter dropped since it started (buffer full, broker away).", [L.System, L.Hostname]);
        EmitterPublishFailures = factory.CreateGauge(p + "emitter_publish_failures", "Failed attempts of an emitter to reach the broker or publish a batch since it started (each retried).", [L.System, L.Hostname]);
        EmitterBacklogFailures = factory.CreateGauge(p + "emitter_backlog_failures", "Reads of the job storage's backlog by an emitter that failed or timed out since it started.", [L.System, L.Hostname]);

        QueueLength = factory.CreateGauge(p + "queue_length", "Messages or jobs waiting in a queue, as last polled.", [L.System, L.Queue]);
        QueueConsumers = factory.CreateGauge(p + "queue_consumers", "Consumers attached to a RabbitMQ queue, as last polled.", [L.System, L.Queue]);
        QueueFetched = factory.CreateGauge(p + "queue_fetched", "Jobs fetched from a Hangfire queue by a worker and not yet finished.", [L.System, L.Queue]);
        QueueOldestAge = factory.CreateGauge(p + "queue_oldest_age_seconds", "Age of the oldest job waiting in a queue, as last polled.", [L.System, L.Queue]);
        HangfireJobs = factory.CreateGauge(p + "hangfire_jobs", "Jobs in Hangfire's storage by state (enqueued, scheduled, processing, awaiting, retrying, failed, deleted).", [L.State]);
        HangfireServers = factory.CreateGauge(p + "hangfire_servers", "Hangfire servers with a recent heartbeat in storage.",
            new GaugeConfiguration { SuppressInitialValue = true });

        Events = factory.CreateCounter(p + "exporter_events_total", "Events applied, by system and type.", [L.System, L.Type]);
        EventsInvalid = factory.CreateCounter(p + "exporter_events_invalid_total", "Messages or events rejected, by reason.", [L.Reason]);
        EventsDuplicate = factory.CreateCounter(p + "exporter_events_duplicate_total", "Events skipped because their id was already applied.", []);
        // Absent, not 0, when no RabbitMQ events are consumed (Celery on Redis alone): nothing is down.
        BrokerConnected = factory.CreateGauge(p + "exporter_broker_connected", "1 while the exporter is connected to the broker and consuming.", [],
            new GaugeConfiguration { SuppressInitialValue = !options.RabbitMqEvents });
        BrokerRecoveries = factory.CreateCounter(p + "exporter_broker_recoveries_total",
            "Times the consumer of one of the exporter's queues stopped and the exporter set about consuming again, by reason: connection_lost (connection or channel closed), consumer_cancelled (queue deleted, consumer gone), unresponsive (the broker stopped answering).",
            [L.Queue, L.Reason]);
        OwnQueueMessages = factory.CreateGauge(p + "exporter_queue_messages",
            "Messages waiting in one of the exporter's own queues, as last checked (at each declaration, then every 5 s while consuming).", [L.Queue]);
        OwnQueueMaxMessages = factory.CreateGauge(p + "exporter_queue_max_messages",
            "x-max-length of the exporter's own queues (--broker.queue-max-length): at this many messages RabbitMQ drops the oldest.", [L.Queue]);
        OwnQueueFull = factory.CreateCounter(p + "exporter_queue_full_total",
            "Checks that found one of the exporter's own queues at its x-max-length, where RabbitMQ drops the oldest messages: events were being lost.", [L.Queue]);
        LabelOverflow = factory.CreateCounter(p + "exporter_label_overflow_total", "Label values folded into __other__ because a label reached its cap.", [L.Label]);
        LabelRenamed = factory.CreateCounter(p + "exporter_label_renamed_total", "Label values from events renamed because they were __other__ or unknown, which the exporter writes itself.", [L.Label]);
        SeriesOverflow = factory.CreateCounter(p + "exporter_series_overflow_total", "Series folded into __other__ because their metric reached --metrics.max-series, per event.", [L.Metric]);
        Uptime = factory.CreateGauge(p + "exporter_uptime_seconds", "Seconds since this exporter process started, from a monotonic clock.", []);
        BuildInfo = factory.CreateGauge(p + "exporter_build_info", "Always 1; the version and revision (git commit) labels tell which build runs.", [L.Version, L.Revision]);
        CollectorSuccess = factory.CreateGauge(p + "exporter_collector_success", "1 when a background collector's last poll succeeded.", [L.Collector]);
        CollectorDuration = factory.CreateGauge(p + "exporter_collector_duration_seconds", "How long a background collector's last poll took.", [L.Collector]);

        BuildInfo.WithLabels(version, revision).Set(1);
        // Alerts tell "a series new to this process" from "a series Prometheus missed" by the uptime;
        // a duration, not a timestamp, so no clock is compared with Prometheus'.
        var started = time.GetTimestamp();
        Registry.AddBeforeCollectCallback(() => Uptime.Set(time.GetElapsedTime(started).TotalSeconds));
        if (options.RabbitMqEvents) BrokerConnected.Set(0);
        EventsDuplicate.Inc(0);
        foreach (var reason in InvalidReasons.All)
        {
            EventsInvalid.WithLabels(reason).Inc(0);
        }
        foreach (var label in L.Guarded)
        {
            LabelOverflow.WithLabels(label).Inc(0);
            LabelRenamed.WithLabels(label).Inc(0);
        }
        foreach (var family in JobFamilies)
        {
            SeriesOverflow.WithLabels(family).Inc(0);
        }
    }

    public CollectorRegistry Registry { get; }

    /// <summary>The factory (registry and static labels) and name prefix, for optional sources that add their own families.</summary>
    public IMetricFactory Factory { get; }
    public string Prefix { get; }

    /// <summary>What scrapes and background polls take turns through, so that a page never holds half a poll.</summary>
    public ScrapeGate Gate { get; } = new();
    public bool HistogramHostname { get; }

    /// <summary>Whether the job counters (all but sent) carry the hostname label (<c>--metrics.job-hostname</c>).</summary>
    public bool JobHostname { get; }

    public CompactCounter Sent { get; }
    public CompactCounter Received { get; }
    public CompactCounter Started { get; }
    public CompactCounter Succeeded { get; }
    public CompactCounter Failed { get; }
    public CompactCounter Retried { get; }
    public CompactCounter Rejected { get; }
    public CompactCounter Revoked { get; }
    public Histogram Runtime { get; }
    public Histogram Wait { get; }

    public Gauge WorkerUp { get; }
    public Gauge WorkerActive { get; }
    public Gauge WorkerHeartbeat { get; }
    public Gauge WorkerTimedOut { get; }
    public Gauge WorkersAlive { get; }
    public Gauge EmitterDropped { get; }
    public Gauge EmitterPublishFailures { get; }
    public Gauge EmitterBacklogFailures { get; }

    public Gauge QueueLength { get; }
    public Gauge QueueConsumers { get; }
    public Gauge QueueFetched { get; }
    public Gauge QueueOldestAge { get; }
    public Gauge HangfireJobs { get; }
    public Gauge HangfireServers { get; }

    public Counter Events { get; }
    public Counter EventsInvalid { get; }
    public Counter EventsDuplicate { get; }
    public Gauge BrokerConnected { get; }

    /// <summary>Consumers of the exporter's own queues that stopped, by queue and reason (see <c>Broker.ConsumerLoss</c>).</summary>
    public Counter BrokerRecoveries { get; }

    /// <summary>Messages waiting in the exporter's own queues (not the polled ones of <see cref="QueueLength"/>).</summary>
    public Gauge OwnQueueMessages { get; }
    public Gauge OwnQueueMaxMessages { get; }
    public Counter OwnQueueFull { get; }
    public Counter LabelOverflow { get; }
    public Counter LabelRenamed { get; }
    public Counter SeriesOverflow { get; }

    /// <summary>The names of the families with a series per job (and host): the ones --metrics.max-series caps.</summary>
    public IEnumerable<string> JobFamilies => [Sent.Name, Received.Name, Started.Name, Succeeded.Name, Failed.Name, Retried.Name, Rejected.Name,
        Revoked.Name, Runtime.Name, Wait.Name];

    // The job counters, kept apart from prometheus-net's registry (see CompactCounter); in their order on the page.
    private readonly List<CompactCounter> _compact = [];
    public Gauge Uptime { get; }
    public Gauge BuildInfo { get; }
    public Gauge CollectorSuccess { get; }
    public Gauge CollectorDuration { get; }

    /// <summary>Writes the page /metrics serves, with every background poll either wholly in it or not at all.</summary>
    public async Task RenderAsync(Stream page, CancellationToken cancellationToken)
    {
        using (await Gate.EnterScrapeAsync(cancellationToken))
        {
            foreach (var family in _compact) await family.WriteAsync(page, cancellationToken);
            await Registry.CollectAndExportAsTextAsync(page, cancellationToken);
        }
    }

    /// <summary>
    /// The exporter's own process_* (CPU seconds, resident and virtual memory, open handles, threads, start time) and
    /// dotnet_* (collections per generation, managed heap) metrics, refreshed at each scrape, unprefixed as every
    /// exporter names them.
    /// </summary>
    public void AddProcessMetrics() => DotNetStats.Register(Registry);

    /// <summary>The page /metrics serves, as text.</summary>
    public async Task<string> RenderAsync()
    {
        using var stream = new MemoryStream();
        await RenderAsync(stream, CancellationToken.None);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
